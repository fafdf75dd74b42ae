"""The phone a tag is for, as the office recorded it on the tag (kiosk/custody/tag_phone.py): what the confiscation
form starts from when that pupil's phone is confiscated."""

from __future__ import annotations

from kiosk.custody.phone import PhoneParticulars
from kiosk.db.connection import storage_guard
from kiosk.db.models import Tag


@storage_guard
def phone_on_tag(*, tag_id: int) -> PhoneParticulars | None:
    """The tag's particulars, or None when none are recorded (or there is no such tag)."""
    tag = Tag.select(Tag.phone_json).where(Tag.id == tag_id).first()
    return PhoneParticulars.from_json(tag.phone_json) if tag is not None else None
