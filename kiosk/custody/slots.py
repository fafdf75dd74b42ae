"""Where a phone goes in the office: a box (per form, per year, or one run) and the lowest free position."""

from __future__ import annotations

from kiosk.db import raw
from kiosk.db.models import Pupil

SAFE_BOX = "SAFE"  # confiscated phones are kept apart from the daily boxes


def box_for(pupil: Pupil, scheme: str) -> str:
    if scheme == "form":
        return pupil.form
    if scheme == "year":
        return f"Y{pupil.year}" if pupil.year is not None else "Y?"
    return ""


def next_free_position(box: str) -> int:
    """The lowest position in `box` with no phone in it (run inside the write transaction that fills it)."""
    # Hand-written (kiosk.db.raw): every hand-in runs it. The partial index custody_one_open_per_slot answers it.
    used = {row[0] for row in raw.execute(_USED_POSITIONS, (box,))}
    position = 1
    while position in used:
        position += 1
    return position


_USED_POSITIONS = "SELECT slot_position FROM custody WHERE slot_box = ? AND closed_at IS NULL"
