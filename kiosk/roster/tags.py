"""Giving each pupil on roll a permanent tag code, so their label can be printed the day they join."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from peewee import IntegrityError, chunked

from kiosk.custody import codes
from kiosk.db.models import Tag, database_proxy
from kiosk.db.rows import tuples

ROWS_PER_INSERT = 200
ATTEMPTS = 5


def create_tags(pupil_ids: Iterable[int], *, created_at: datetime) -> int:
    """One active tag for each pupil; returns how many were created. Call inside the import's transaction."""
    taken = {code for (code,) in tuples(Tag.select(Tag.code))}
    created = 0
    for batch in chunked(list(pupil_ids), ROWS_PER_INSERT):
        for attempt in range(ATTEMPTS):
            rows = [{"code": _fresh_code(taken), "pupil": pupil_id, "status": "active",
                     "created_at": created_at} for pupil_id in batch]
            try:
                # A savepoint, so a collision with a tag another desk made this instant can be retried
                # without losing the rest of the import (PostgreSQL aborts the whole transaction otherwise).
                with database_proxy.atomic():
                    Tag.insert_many(rows).execute()
                break
            except IntegrityError:
                if attempt == ATTEMPTS - 1:
                    raise
                taken |= {code for (code,) in tuples(Tag.select(Tag.code))}
        created += len(batch)
    return created


def _fresh_code(taken: set[str]) -> str:
    while True:
        code = codes.new_code()
        if code not in taken:
            taken.add(code)
            return code
