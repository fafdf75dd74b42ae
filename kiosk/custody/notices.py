"""Who is told what, by email, when something happens to a confiscated phone (issue 18; policy §6.1 and §9).

Each function queues its messages in the caller's transaction (kiosk/mail/outbox.py): nothing here talks to a mail
server, so the desk never waits for one and no action is refused because mail is down.

- A confiscation: the notice (the parent notice PDF attached) to each carer with parental responsibility and an
  email address, in the MIS's priority order, never to one the MIS marks "no communications".
- A 2nd or later confiscation this term: the pupil's heads of year with an email address (as their inbox shows it:
  kiosk/custody/head_of_year.py), the pupil, the count, when and the reason category.
- A safeguarding hold: the DSL is told that a hold was placed, when and where, and nothing more (at the
  mail_dsl_address and each DSL on the staff list with an email address); the carers' messages about that phone
  not yet sent are withheld, and none is queued while it is held.
- A hold cleared by the DSL: the carers are told it is ready to collect.
- A release: the receipt (the PDF attached) to the collector, when they give an address at the desk.
- A daily phone left in the office at the close of day: its carers, once per phone per night (never a confiscated
  phone or one on a safeguarding hold).
No safeguarding detail (a concern, a DSL note, a reason for clearing) is ever a value of any template. Every message
queued is an audit event (kiosk/mail/trail.py) in the same transaction.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from kiosk.audit import rows as sealing
from kiosk.auth.roles import Permission, Role
from kiosk.clock import as_utc, local, local_day_bounds, to_db
from kiosk.config import Settings, config_dir
from kiosk.custody.context import DeskContext
from kiosk.custody.head_of_year import head_of_year_notices_since, heads_of_year_of
from kiosk.custody.states import Kind, State
from kiosk.db.models import MUST_NOT_COLLECT, Carer, Custody, OutboxMessage, Pupil, Staff
from kiosk.db.rows import tuples
from kiosk.formatting import clock_time, custody_reference, long_day
from kiosk.mail import templates
from kiosk.mail.addresses import checked_address, is_address
from kiosk.mail.outbox import Audience, OutboxLine, Trail, queue_message, withhold_for_custody

if TYPE_CHECKING:  # confiscation.py calls this module inside its transaction
    from kiosk.custody.confiscation import ConfiscationReceipt

PARENT_NOTICE = "parent-notice"
RELEASE_RECEIPT = "release-receipt"
LEFT_OVERNIGHT = "left-overnight"


def _on(settings: Settings) -> bool:
    return settings.mail_via != "off"


def reference(custody_id: int) -> str:
    """The phone record's reference, the same in every message as on every paper (kiosk/formatting.py)."""
    return custody_reference(custody_id)


def _carers_to_tell(pupil_id: int) -> list[Carer]:
    carers = (Carer.select().where((Carer.pupil == pupil_id) & Carer.parental_responsibility
                                   & Carer.email.is_null(False) & (Carer.email != "")
                                   # NULL is "the MIS did not say": only a carer it marks is never written to.
                                   & (Carer.no_communications.is_null() | (Carer.no_communications == False))  # noqa: E712
                                   # Every message says where the phone is and when it may be collected: never to a
                                   # contact the MIS says must not collect (a court order), whatever else it says.
                                   & (Carer.collection.is_null() | (Carer.collection != MUST_NOT_COLLECT)))
              .order_by(Carer.priority.is_null(), Carer.priority, Carer.id))
    return [carer for carer in carers if "@" in (carer.email or "")]


def _common(settings: Settings, custody_id: int, at: datetime) -> dict[str, str]:
    when = local(at, settings.tz)
    return {"school_name": settings.school_name, "school_phone": settings.school_phone or "the school's usual number",
            "reference": reference(custody_id), "time": clock_time(when), "day": long_day(when.date())}


def _queue(ctx: DeskContext, *, template: str, audience: Audience, recipient: str, recipient_name: str,
           values: dict[str, str], custody_id: int, mobile: str | None = None, delay_minutes: int = 0,
           attachment: str | None = None, attachment_json: str | None = None) -> None:
    """One message filled and queued, with its MESSAGE_QUEUED event, in the caller's transaction."""
    now = ctx.clock.now()
    filled = templates.fill(template, values, config_folder=config_dir())
    queue_message(at=now, template=template, audience=audience, recipient=recipient, recipient_name=recipient_name,
                  subject=filled.subject, body=filled.body, sender_address=ctx.settings.mail_from,
                  custody_id=custody_id, audit_key=ctx.keyring.audit_key, desk=ctx.desk, staff=ctx.who.staff_id,
                  mobile=mobile, attachment=attachment, attachment_json=attachment_json,
                  send_after=now + timedelta(minutes=delay_minutes))


def _queue_to_carers(ctx: DeskContext, *, custody_id: int, pupil_id: int, template: str, values: dict[str, str],
                     delay_minutes: int = 0, attachment: str | None = None,
                     attachment_json: str | None = None) -> int:
    count = 0
    for carer in _carers_to_tell(pupil_id):
        _queue(ctx, template=template, audience=Audience.CARER, recipient=str(carer.email), recipient_name=carer.name,
               values=values | {"carer_name": carer.name}, custody_id=custody_id,
               mobile=carer.mobile or carer.telephone, delay_minutes=delay_minutes, attachment=attachment,
               attachment_json=attachment_json)
        count += 1
    return count


def _staff_to_email(ctx: DeskContext, staff_ids: tuple[int, ...] | None = None, *,
                    role: str | None = None) -> list[Staff]:
    """Active staff (these ids, or this role) with an address, in the order they were added. A row that no longer
    holds what the kiosk sealed (an address typed in by hand in the database) is not written to."""
    query = Staff.select().where(Staff.active & Staff.email.is_null(False) & (Staff.email != ""))
    if staff_ids is not None:
        query = query.where(Staff.id.in_(list(staff_ids)))
    if role is not None:
        query = query.where(Staff.role == role)
    return [member for member in query.order_by(Staff.id)
            if is_address(member.email) and sealing.verifies(ctx.keyring.audit_key, member)]


def _nth(count: int) -> str:
    return f"{count}{'th' if 10 <= count % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(count % 10, 'th')}"


def tell_confiscation(ctx: DeskContext, receipt: ConfiscationReceipt) -> int:
    """The confiscation notice to the carers (inside confiscate's transaction). Returns how many were queued."""
    if not _on(ctx.settings):
        return 0
    values = _common(ctx.settings, receipt.custody_id, receipt.at) | {
        "pupil_name": receipt.pupil.name, "form": receipt.pupil.form, "reason": receipt.reason_category,
        "rule": receipt.ladder.rule, "collect_from": long_day(receipt.held_until)}
    # The facts the attached notice prints, as they are now: what was recorded at the desk, nothing else.
    facts = {"custody_id": receipt.custody_id, "pupil_name": receipt.pupil.name, "form": receipt.pupil.form,
             "at": receipt.at.isoformat(), "reason_category": receipt.reason_category,
             "seal_number": receipt.seal_number, "count_this_term": receipt.ladder.count_this_term,
             "rule": receipt.ladder.rule, "held_until": receipt.held_until.isoformat()}
    # A short wait, so a safeguarding hold placed straight after the confiscation stops the notice going.
    told = _queue_to_carers(ctx, custody_id=receipt.custody_id, pupil_id=receipt.pupil.id,
                            template="confiscation-notice", values=values,
                            delay_minutes=ctx.settings.mail_parent_delay_minutes, attachment=PARENT_NOTICE,
                            attachment_json=json.dumps(facts, ensure_ascii=False))
    _tell_heads_of_year(ctx, receipt)
    return told


def _tell_heads_of_year(ctx: DeskContext, receipt: ConfiscationReceipt) -> int:
    """A 2nd or later confiscation this term: the notice the head of year's inbox shows, by email to each head of
    that year group with an address. The same read model as the inbox, so the two never disagree on the count."""
    if receipt.ladder.count_this_term < 2:
        return 0
    notices = [n for n in head_of_year_notices_since(since=receipt.at, settings=ctx.settings)
               if n.notice.custody_id == receipt.custody_id]
    count = 0
    for found in notices:
        notice = found.notice
        values = _common(ctx.settings, receipt.custody_id, notice.confiscated_at) | {
            "pupil_name": notice.pupil.name, "form": notice.pupil.form, "year": str(notice.pupil.year or ""),
            "count_words": _nth(notice.count_this_term), "reason": notice.reason_category or "not recorded",
            "rule": receipt.ladder.rule}
        for member in _staff_to_email(ctx, heads_of_year_of(notice.pupil.year)):
            _queue(ctx, template="repeat-confiscation", audience=Audience.STAFF, recipient=str(member.email),
                   recipient_name=member.name, values=values | {"staff_name": member.name},
                   custody_id=receipt.custody_id)
            count += 1
    return count


def tell_hold_placed(ctx: DeskContext, *, custody_id: int) -> int:
    """Inside flag_safeguarding's transaction: the carers' unsent messages withheld, the DSL told there is a hold
    (when and where: no name, no concern). Returns how many carers' messages were withheld."""
    now = ctx.clock.now()
    withheld = withhold_for_custody(custody_id=custody_id, audit_key=ctx.keyring.audit_key, at=now, desk=ctx.desk,
                                    staff=ctx.who.staff_id)
    if not _on(ctx.settings):
        return withheld
    values = _common(ctx.settings, custody_id, now) | {"desk": ctx.desk}
    # The school's safeguarding inbox (kiosk.toml), and each DSL on the staff list with an address: once each.
    recipients: dict[str, str] = {}
    if is_address(ctx.settings.mail_dsl_address):
        recipients[ctx.settings.mail_dsl_address.strip().lower()] = "Designated Safeguarding Lead"
    for member in _staff_to_email(ctx, role=Role.DSL):
        recipients.setdefault(str(member.email).strip().lower(), member.name)
    for address, name in recipients.items():
        _queue(ctx, template="hold-placed", audience=Audience.STAFF, recipient=address, recipient_name=name,
               values=values, custody_id=custody_id)
    return withheld


def tell_ready_to_collect(ctx: DeskContext, *, custody_id: int) -> int:
    """Inside clear_hold's transaction: the DSL has finished, so the carers may be told it can be collected."""
    if not _on(ctx.settings):
        return 0
    custody = Custody.get_by_id(custody_id)
    pupil = Pupil.get_by_id(custody.pupil_id)
    values = _common(ctx.settings, custody_id, ctx.clock.now()) | {"pupil_name": pupil.display_name,
                                                                    "form": pupil.form}
    return _queue_to_carers(ctx, custody_id=custody_id, pupil_id=pupil.id, template="ready-to-collect",
                            values=values)


def check_receipt_address(address: str | None) -> str | None:
    """The collector's address as typed at the release (None: they gave none), or NotAnAddress before anything
    is saved."""
    if address is None or not address.strip():
        return None
    return checked_address(address)


def send_release_receipt(ctx: DeskContext, *, custody_id: int, address: str | None, collector_name: str,
                         pupil_name: str, at: datetime) -> int:
    """Inside release_to_carer's transaction: the release receipt (the PDF, made at sending time from the record)
    to the address the collector gave. Returns 1 if queued."""
    address = check_receipt_address(address)
    if address is None or not _on(ctx.settings):
        return 0
    values = _common(ctx.settings, custody_id, at) | {"collector_name": collector_name, "pupil_name": pupil_name}
    _queue(ctx, template="release-receipt", audience=Audience.CARER, recipient=address, recipient_name=collector_name,
           values=values, custody_id=custody_id, attachment=RELEASE_RECEIPT,
           attachment_json=json.dumps({"custody_id": custody_id}))
    return 1


def tell_left_overnight(ctx: DeskContext, *, custody_ids: list[int] | tuple[int, ...]) -> int:
    """Inside close_day's transaction: the carers of each daily phone left in the office tonight, once per phone per
    night (a second close the same evening tells nobody again). A confiscated phone, or one on a safeguarding hold,
    is never a "left overnight" message. Returns how many messages were queued."""
    if not _on(ctx.settings) or not custody_ids:
        return 0
    now = ctx.clock.now()
    start, end = local_day_bounds(local(now, ctx.settings.tz).date(), ctx.settings.tz)
    told_tonight = {int(c) for (c,) in tuples(OutboxMessage.select(OutboxMessage.custody).where(
        (OutboxMessage.template == LEFT_OVERNIGHT) & OutboxMessage.custody.in_(list(custody_ids))
        & (OutboxMessage.created_at >= to_db(start)) & (OutboxMessage.created_at < to_db(end))))}
    phones = (Custody.select(Custody, Pupil).join(Pupil)
              .where(Custody.id.in_(list(custody_ids)) & (Custody.kind == Kind.DAILY)
                     & (Custody.state == State.UNCOLLECTED) & Custody.closed_at.is_null()
                     & ~Custody.dsl_flag)
              .order_by(Custody.id))
    count = 0
    for custody in phones:
        if custody.id in told_tonight:
            continue
        handed_in = local(as_utc(custody.opened_at), ctx.settings.tz)
        values = _common(ctx.settings, custody.id, now) | {
            "pupil_name": custody.pupil.display_name, "form": custody.pupil.form,
            "handed_in_day": long_day(handed_in.date())}
        count += _queue_to_carers(ctx, custody_id=custody.id, pupil_id=custody.pupil_id, template=LEFT_OVERNIGHT,
                                  values=values)
    return count


def retry_message(ctx: DeskContext, *, message_id: int) -> OutboxLine:
    """Queue a failed message again from the desk; a withheld one (a phone on hold) only by the DSL or the head,
    who decide what parents are told."""
    from kiosk.mail.outbox import MessageState, retry

    row = OutboxMessage.get_or_none(OutboxMessage.id == message_id)
    if row is not None and row.state == MessageState.WITHHELD.value:
        ctx.require(Permission.CLEAR_HOLD, custody=row.custody_id)
    else:
        ctx.require(Permission.RELEASE, custody=row.custody_id if row is not None else None)
    return retry(message_id=message_id, now=ctx.clock.now(), audit=Trail(key=ctx.keyring.audit_key, desk=ctx.desk),
                 staff=ctx.who.staff_id)
