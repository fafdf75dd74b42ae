"""Who is told what, by email, when something happens to a confiscated phone (issue 18; policy §6.1 and §9).

Each function queues its messages in the caller's transaction (kiosk/mail/outbox.py): nothing here talks to a mail
server, so the desk never waits for one and no action is refused because mail is down.

- A confiscation: the notice (the parent notice PDF attached) to each carer with parental responsibility and an
  email address, in the MIS's priority order, never to one the MIS marks "no communications".
- A safeguarding hold: the DSL is told that a hold was placed, when and where, and nothing more; the carers'
  messages about that phone not yet sent are withheld, and none is queued while it is held.
- A hold cleared by the DSL: the carers are told it is ready to collect.
No safeguarding detail (a concern, a DSL note, a reason for clearing) is ever a value of any template.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from kiosk.auth.roles import Permission
from kiosk.clock import local
from kiosk.config import Settings, config_dir
from kiosk.custody.context import DeskContext
from kiosk.db.models import Carer, Custody, Pupil
from kiosk.formatting import clock_time, long_day
from kiosk.mail import templates
from kiosk.mail.outbox import Audience, OutboxLine, queue_message, withhold_for_custody

if TYPE_CHECKING:  # confiscation.py calls this module inside its transaction
    from kiosk.custody.confiscation import ConfiscationReceipt

PARENT_NOTICE = "parent-notice"


def _on(settings: Settings) -> bool:
    return settings.mail_via != "off"


def reference(custody_id: int) -> str:
    """The phone record's reference, as the office finds it at the kiosk."""
    return f"P{custody_id:05d}"


def _carers_to_tell(pupil_id: int) -> list[Carer]:
    carers = (Carer.select().where((Carer.pupil == pupil_id) & Carer.parental_responsibility
                                   & Carer.email.is_null(False) & (Carer.email != "")
                                   # NULL is "the MIS did not say": only a carer it marks is never written to.
                                   & (Carer.no_communications.is_null() | (Carer.no_communications == False)))  # noqa: E712
              .order_by(Carer.priority.is_null(), Carer.priority, Carer.id))
    return [carer for carer in carers if "@" in (carer.email or "")]


def _common(settings: Settings, custody_id: int, at: datetime) -> dict[str, str]:
    when = local(at, settings.tz)
    return {"school_name": settings.school_name, "school_phone": settings.school_phone or "the school's usual number",
            "reference": reference(custody_id), "time": clock_time(when), "day": long_day(when.date())}


def _queue_to_carers(ctx: DeskContext, *, custody_id: int, pupil_id: int, template: str, values: dict[str, str],
                     delay_minutes: int = 0, attachment: str | None = None,
                     attachment_json: str | None = None) -> int:
    now = ctx.clock.now()
    count = 0
    for carer in _carers_to_tell(pupil_id):
        filled = templates.fill(template, values | {"carer_name": carer.name}, config_folder=config_dir())
        queue_message(at=now, template=template, audience=Audience.CARER, recipient=str(carer.email),
                      recipient_name=carer.name, subject=filled.subject, body=filled.body,
                      sender_address=ctx.settings.mail_from, custody_id=custody_id,
                      mobile=carer.mobile or carer.telephone, attachment=attachment, attachment_json=attachment_json,
                      send_after=now + timedelta(minutes=delay_minutes))
        count += 1
    return count


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
    return _queue_to_carers(ctx, custody_id=receipt.custody_id, pupil_id=receipt.pupil.id,
                            template="confiscation-notice", values=values,
                            delay_minutes=ctx.settings.mail_parent_delay_minutes, attachment=PARENT_NOTICE,
                            attachment_json=json.dumps(facts, ensure_ascii=False))


def tell_hold_placed(ctx: DeskContext, *, custody_id: int) -> int:
    """Inside flag_safeguarding's transaction: the carers' unsent messages withheld, the DSL told there is a hold
    (when and where: no name, no concern). Returns how many carers' messages were withheld."""
    withheld = withhold_for_custody(custody_id=custody_id)
    if not _on(ctx.settings) or "@" not in ctx.settings.mail_dsl_address:
        return withheld
    now = ctx.clock.now()
    filled = templates.fill("hold-placed", _common(ctx.settings, custody_id, now) | {"desk": ctx.desk},
                            config_folder=config_dir())
    queue_message(at=now, template="hold-placed", audience=Audience.STAFF, recipient=ctx.settings.mail_dsl_address,
                  recipient_name="Designated Safeguarding Lead", subject=filled.subject, body=filled.body,
                  sender_address=ctx.settings.mail_from, custody_id=custody_id)
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


def retry_message(ctx: DeskContext, *, message_id: int) -> OutboxLine:
    """Queue a failed message again from the desk; a withheld one (a phone on hold) only by the DSL or the head,
    who decide what parents are told."""
    from kiosk.db.models import OutboxMessage
    from kiosk.mail.outbox import MessageState, retry

    row = OutboxMessage.get_or_none(OutboxMessage.id == message_id)
    if row is not None and row.state == MessageState.WITHHELD.value:
        ctx.require(Permission.CLEAR_HOLD, custody=row.custody_id)
    else:
        ctx.require(Permission.RELEASE, custody=row.custody_id if row is not None else None)
    return retry(message_id=message_id, now=ctx.clock.now())
