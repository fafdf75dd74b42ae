"""A lost or damaged tag replaced at the desk in one step: the old code stops counting, a new one is issued.

The old tag is kept (status 'lost' or 'retired'), so scanning it says what happened and names the new tag;
the audit log records the change. A phone in the office on the old tag moves to the new tag in the same
transaction: the office sticks the new label on that phone, and at hand-back scanning the new tag (or finding
the pupil by name, which uses the pupil's current tag) must find it. Left on the old tag, it could only be
found by a code that the desk now refuses.
"""

from __future__ import annotations

from dataclasses import dataclass

from peewee import IntegrityError

from kiosk.audit import append_event
from kiosk.audit import rows as sealing
from kiosk.clock import to_db
from kiosk.custody import codes
from kiosk.custody.context import DeskContext
from kiosk.custody.errors import Conflict, UnknownTag
from kiosk.custody.receipts import PupilSummary
from kiosk.db.connection import write_transaction
from kiosk.db.models import Custody, Pupil, Tag, database_proxy
from kiosk.errors import DeskError
from kiosk.labels.choose import LabelChoice
from kiosk.labels.jobs import PRINT_LABELS, LabelsPrinted, print_labels
from kiosk.labels.layouts import Layout
from kiosk.labels.printers import Printer, PrintFailed, Progress

REASONS = {"lost": "lost", "damaged": "retired"}  # why the office replaces it -> the old tag's status
ATTEMPTS = 3


@dataclass(frozen=True)
class TagReplaced:
    pupil: PupilSummary
    old_code: str | None  # None: the pupil had no active tag, so this is simply a new one
    old_status: str | None
    new_code: str
    new_tag_id: int
    custody_moved: int | None  # the phone in the office that now goes by the new tag
    slot: str | None

    @property
    def message(self) -> str:
        text = f"New tag {codes.grouped(self.new_code)} for {self.pupil.name} ({self.pupil.form})."
        if self.old_code:
            text += f" Old tag {codes.grouped(self.old_code)} is now {self.old_status} and no longer counts."
        if self.custody_moved:
            text += f" Their phone in slot {self.slot} now goes by the new tag: put the new label on it."
        return text


def _code_from_scan(text: str) -> str:
    return "".join(text.split()).replace("-", "").upper().translate(codes.CONFUSABLES)


def _old_tag(tag_code: str | None, pupil_id: int | None) -> tuple[Pupil, Tag | None]:
    if tag_code:
        tag = Tag.select(Tag, Pupil).join(Pupil).where(Tag.code == _code_from_scan(tag_code)).first()
        if tag is None:
            raise UnknownTag(f"Tag {tag_code} is not on this kiosk. Find the pupil by name to replace their tag.")
        if tag.status != "active":
            current = (Tag.select().where((Tag.pupil == tag.pupil_id) & (Tag.status == "active"))
                       .order_by(Tag.id).first())
            now = f" Their current tag is {codes.grouped(current.code)}: print its label again." if current else ""
            raise DeskError(f"Tag {codes.grouped(tag.code)} was already {tag.status}.{now}")
        return tag.pupil, tag
    pupil = Pupil.get_or_none(Pupil.id == pupil_id)
    if pupil is None:
        raise UnknownTag("That pupil is no longer on the roster. Search again.")
    active = list(Tag.select().where((Tag.pupil == pupil) & (Tag.status == "active")).order_by(Tag.id))
    if len(active) > 1:
        devices = ", ".join(t.device or codes.grouped(t.code) for t in active)
        raise DeskError(f"{pupil.display_name} has {len(active)} tags ({devices}). Scan the one to replace, "
                        "or type its code.")
    return pupil, (active[0] if active else None)


def replace_tag(ctx: DeskContext, *, tag_code: str | None = None, pupil_id: int | None = None,
                reason: str = "lost") -> TagReplaced:
    """Retire the pupil's tag (`reason` 'lost' or 'damaged') and issue a new code, audited TAG_REPLACED.
    Give the old tag's code (scanned or typed), or the pupil when the tag is lost."""
    ctx.who.require(PRINT_LABELS)
    if reason not in REASONS:
        raise DeskError(f"A tag is replaced because it was {' or '.join(REASONS)}.")
    if not tag_code and pupil_id is None:
        raise DeskError("Scan the old tag, or choose the pupil whose tag is lost.")
    for _attempt in range(ATTEMPTS):
        try:
            with write_transaction(database_proxy.obj):
                return _replace(ctx, tag_code, pupil_id, reason)
        except IntegrityError:
            continue  # a new code collided with one made at this instant: draw another
    raise Conflict("Another desk is changing this pupil's tags right now. Try again in a moment.")


def _replace(ctx: DeskContext, tag_code: str | None, pupil_id: int | None, reason: str) -> TagReplaced:
    pupil, old = _old_tag(tag_code, pupil_id)
    now = ctx.clock.now()
    status = REASONS[reason]
    if old is not None:
        changed = (Tag.update(status=status)
                   .where((Tag.id == old.id) & (Tag.status == "active")).execute())
        if changed != 1:
            raise Conflict(f"Tag {codes.grouped(old.code)} was replaced at another desk just now.")
    code = codes.new_code()
    while Tag.select().where(Tag.code == code).exists():
        code = codes.new_code()
    # The phone goes on with the new tag: what it is, and its particulars as the office recorded them (issue 16).
    new = Tag.create(code=code, pupil=pupil.id, device=old.device if old else None, status="active",
                     created_at=to_db(now), phone_json=old.phone_json if old else None)
    custody = None
    # Each row written is resealed and its seal recorded by the event (kiosk/audit/rows.py).
    sealed = [sealing.reseal(ctx.keyring.audit_key, Tag, new.id)]
    if old is not None:
        sealed.append(sealing.reseal(ctx.keyring.audit_key, Tag, old.id))
        custody = Custody.select().where((Custody.tag == old.id) & Custody.closed_at.is_null()).first()
        if custody is not None:
            Custody.update(tag=new.id).where((Custody.id == custody.id) & Custody.closed_at.is_null()).execute()
            sealed.append(sealing.reseal(ctx.keyring.audit_key, Custody, custody.id))
    append_event(key=ctx.keyring.audit_key, at=now, desk=ctx.desk, staff=ctx.who.staff_id, action="TAG_REPLACED",
                 rows=sealed, pupil=pupil.id, tag=new.id, custody=custody.id if custody else None,
                 custody_state=custody.state if custody else None,
                 payload={"old_code": old.code if old else None, "old_status": status if old else None,
                          "new_code": code, "reason": reason, "custody_moved": custody.id if custody else None})
    return TagReplaced(pupil=PupilSummary.of(pupil), old_code=old.code if old else None,
                       old_status=status if old else None, new_code=code, new_tag_id=new.id,
                       custody_moved=custody.id if custody else None, slot=custody.slot if custody else None)


@dataclass(frozen=True)
class ReplacementPrinted:
    replaced: TagReplaced
    printed: LabelsPrinted | None
    problem: str | None  # why the label did not print; the new tag stands and is listed as never printed

    @property
    def message(self) -> str:
        if self.printed and not self.printed.marked:
            return f"{self.replaced.message} {self.printed.message}"
        if self.printed:
            return f"{self.replaced.message} Label printed."
        return (f"{self.replaced.message} The label did NOT print: {self.problem} It is listed under "
                "'never printed', so Retry prints it.")


def replace_tag_and_print(ctx: DeskContext, *, tag_code: str | None = None, pupil_id: int | None = None,
                          reason: str = "lost", layout: Layout | str, printer: Printer,
                          progress: Progress | None = None) -> ReplacementPrinted:
    """The desk's one step: replace the tag, then print its label. A printer failure never undoes the
    replacement (the old code is already refused); it is reported so the label can be printed again."""
    replaced = replace_tag(ctx, tag_code=tag_code, pupil_id=pupil_id, reason=reason)
    try:
        printed = print_labels(ctx, choice=LabelChoice(tag_id=replaced.new_tag_id), layout=layout, printer=printer,
                               kind="replacement",
                               progress=progress)
    except PrintFailed as exc:
        return ReplacementPrinted(replaced, None, exc.message)
    return ReplacementPrinted(replaced, printed, None)
