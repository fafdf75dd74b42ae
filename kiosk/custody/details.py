"""The JSON 'details' kept with a custody: particulars that vary by kind (exam, parent informed, police)."""

from __future__ import annotations

import json
from typing import Any

from kiosk.custody.states import Kind
from kiosk.db.models import Custody


def read(custody: Custody) -> dict[str, Any]:
    return json.loads(custody.details_json) if custody.details_json else {}


def merged(custody: Custody, **more: Any) -> str:
    details = read(custody)
    details.update({k: v for k, v in more.items() if v is not None})
    return json.dumps(details, ensure_ascii=False, sort_keys=True, default=str)


def meeting_owed(custody: Custody) -> bool:
    """Rung 3 of the ladder: this confiscation's rung asked for a parent meeting and none is recorded yet. Records
    made before the flag was kept are judged by their rung's words (kiosk/custody/parent_meeting.py)."""
    if custody.kind != Kind.CONFISCATED:
        return False
    found = read(custody)
    needed = found.get("parent_meeting_needed")
    if needed is None:
        needed = "parent meeting" in str(found.get("ladder_rule", "")).lower()
    return bool(needed) and not found.get("parent_meeting")
