"""The phone a pupil's tag is for (issue 16: "optionally on a pupil's tag for daily hand-in: make, model, colour,
case…"), recorded by the office from the pupil page: checked as a confiscation's particulars are
(kiosk/custody/phone.py `checked`), kept on the tag row (tag.phone_json), which is sealed, and its seal recorded by
one TAG_PHONE_RECORDED event, so `kiosk audit verify` catches a hand edit. Shown at hand back, so the receptionist
can check it is the right phone, and copied to the confiscation form as its starting values."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.audit import append_event
from kiosk.audit import rows as sealing
from kiosk.auth.roles import Permission
from kiosk.custody.context import DeskContext
from kiosk.custody.errors import DeskError
from kiosk.custody.phone import PhoneParticulars, checked
from kiosk.db.connection import action_guard, write_transaction
from kiosk.db.models import Tag, database_proxy

TAG_PHONE_RECORDED = "TAG_PHONE_RECORDED"
# Whoever works the desk keeps the tags (prints and replaces them: kiosk/labels/jobs.py PRINT_LABELS).
RECORD_TAG_PHONE = Permission.HAND_IN


@dataclass(frozen=True)
class TagPhoneRecorded:
    tag_id: int
    tag_code: str
    pupil_id: int
    phone: PhoneParticulars | None  # None: the particulars were cleared


@action_guard
def record_phone_on_tag(ctx: DeskContext, *, tag_id: int, phone: PhoneParticulars | None) -> TagPhoneRecorded:
    """Keep (or, with None or nothing typed, clear) the particulars of the phone tag `tag_id` is for. Refused for a
    tag that is lost or retired (it no longer counts), and for what `checked` refuses (a misread IMEI)."""
    kept = checked(phone)
    if kept is not None and not kept.recorded:
        kept = None
    tag = Tag.get_or_none(Tag.id == tag_id)
    if tag is None:
        raise DeskError("That tag is no longer on this kiosk. Search again.")
    ctx.require(RECORD_TAG_PHONE, pupil=tag.pupil_id)
    with write_transaction(database_proxy.obj):
        tag = Tag.get_by_id(tag_id)  # again, under the write lock
        if tag.status != "active":
            raise DeskError(f"That tag was {tag.status} and no longer counts: record the phone on their current tag.")
        Tag.update(phone_json=kept.as_json() if kept is not None else None).where(Tag.id == tag_id).execute()
        sealed = sealing.reseal(ctx.keyring.audit_key, Tag, tag_id)
        # The event names the tag and what is kept; the particulars are the tag's (as a confiscation's event keeps
        # its phone), so a later edit of the row by hand is caught by verify.
        append_event(key=ctx.keyring.audit_key, at=ctx.clock.now(), desk=ctx.desk, staff=ctx.who.staff_id,
                     action=TAG_PHONE_RECORDED, pupil=tag.pupil_id, tag=tag_id, rows=[sealed],
                     payload={"code": tag.code, "phone": kept.as_details() if kept is not None else None})
    return TagPhoneRecorded(tag_id=tag_id, tag_code=tag.code, pupil_id=tag.pupil_id, phone=kept)
