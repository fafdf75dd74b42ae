"""Where a phone goes in the office: a box (per form, per year, or one run) and the lowest free position."""

from __future__ import annotations

from kiosk.db.models import Custody, Pupil

SAFE_BOX = "SAFE"  # confiscated phones are kept apart from the daily boxes


def box_for(pupil: Pupil, scheme: str) -> str:
    if scheme == "form":
        return pupil.form
    if scheme == "year":
        return f"Y{pupil.year}" if pupil.year is not None else "Y?"
    return ""


def next_free_position(box: str) -> int:
    used = {
        row.slot_position
        for row in Custody.select(Custody.slot_position).where(
            (Custody.slot_box == box) & Custody.closed_at.is_null()
        )
    }
    position = 1
    while position in used:
        position += 1
    return position
