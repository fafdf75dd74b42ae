"""What retention has purged, as every view asks it: a purged record stays only for the audit chain, shown nowhere.

`kiosk audit verify` replays each custody record from its sealed events, so a purged record keeps its row (state,
pupil, tag, desks, slot) and its events keep their sealed columns and payload hashes; everything else is erased,
and the read models (subject access, the pupil page, the reports) leave these rows and events out.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from kiosk.db.models import Custody, Event, Search
from kiosk.privacy.at_rest import ERASED

# A purged record's details are replaced by this stamp alone (json.dumps of {"purged_at": …}).
STAMP_START = '{"purged_at":'


def stamp(at: datetime) -> str:
    return json.dumps({"purged_at": at.isoformat()})


def not_purged() -> Any:
    """A where-clause for custody rows retention has not purged."""
    return Custody.details_json.is_null() | ~Custody.details_json.startswith(STAMP_START)


def is_purged(custody: Custody) -> bool:
    return bool(custody.details_json) and str(custody.details_json).startswith(STAMP_START)


def purged_ids(*, pupil_id: int) -> set[int]:
    """The pupil's custody records retention has purged."""
    rows = Custody.select(Custody.id).where((Custody.pupil == pupil_id) & ~not_purged())
    return {row.id for row in rows}


def shown_event(event: Event, purged: set[int]) -> bool:
    """Whether a view shows this event: not one of a purged record, and its payload not erased by retention."""
    return event.custody_id not in purged and event.payload_json is not None


def search_kept() -> Any:
    """A where-clause for search records retention has not erased."""
    return Search.grounds != ERASED


__all__ = ["STAMP_START", "is_purged", "not_purged", "purged_ids", "search_kept", "shown_event", "stamp"]
