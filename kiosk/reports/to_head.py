"""The head's papers by email: the review pack and the weekly summary queued in the outbox for each address in
mail_head_address, the PDF attached as it was written, the message itself counts only.

No pupil's name and nothing about safeguarding is a value of either template (the attachment is the paper itself,
and the message says it is confidential). When mail is off, goes by the MIS export (which carries no attachment)
or names no head, nothing is queued and `why_not_sent` says why in the office's words.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from datetime import date, datetime

from kiosk.config import Settings, config_dir
from kiosk.db.connection import write_transaction
from kiosk.db.models import OutboxMessage, database_proxy
from kiosk.documents.attachments import PAPER
from kiosk.formatting import long_date
from kiosk.mail import templates
from kiosk.mail.outbox import Audience, OutboxLine, QueuedMessage, queue_message
from kiosk.reports.period_report import ReportFigures
from kiosk.reports.review_figures import ReviewFigures

HEAD = "Headteacher"  # the recipient's name on the message (the address may be a team's)


@dataclass(frozen=True)
class ToHead:
    """What `--send` did: the messages queued (one per address), or why none was."""

    queued: tuple[QueuedMessage, ...]
    not_sent: str = ""


def head_addresses(settings: Settings) -> list[str]:
    """mail_head_address as a list: commas or semicolons between addresses, spaces around them ignored."""
    return [part.strip() for part in re.split(r"[,;]", settings.mail_head_address) if part.strip()]


def why_not_sent(settings: Settings) -> str:
    """Empty when the head's papers can be sent; otherwise the reason, to follow "not sent: "."""
    if settings.mail_via == "off":
        return 'mail is off (mail_via = "off" in kiosk.toml)'
    if settings.mail_via != "smtp":
        return (f'messages go by the MIS export (mail_via = "{settings.mail_via}" in kiosk.toml), which cannot carry '
                "the PDF")
    addresses = head_addresses(settings)
    if not addresses:
        return "no head's address (set mail_head_address in kiosk.toml)"
    wrong = [a for a in addresses if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", a)]
    if wrong:
        return f"mail_head_address has {', '.join(repr(a) for a in wrong)}, which is not an email address"
    if "@" not in settings.mail_from:
        return "no address to send from (set mail_from in kiosk.toml)"
    return ""


def review_pack_values(figures: ReviewFigures, settings: Settings, *, next_review: date) -> dict[str, str]:
    """The review-pack message's values: counts only."""
    c = figures.confiscations
    return {"school_name": settings.school_name, "period": figures.period.label,
            "made_on": long_date(figures.made_on), "handed_in": f"{figures.consistency.handed_in:,}",
            "confiscations": f"{c.total:,}", "repeat_pupils": f"{c.pupils_twice + c.pupils_three_or_more:,}",
            "exams": f"{sum(n for _board, _series, n in figures.exams_by_board_and_series):,}",
            "desk_hours": f"{figures.workload.hours:,.1f}", "next_review": long_date(next_review)}


def summary_values(figures: ReportFigures, settings: Settings, *, made_on: date) -> dict[str, str]:
    """The weekly summary's values: counts only (the summary's repeat list names pupils: only its length here)."""
    c = figures.confiscations
    return {"school_name": settings.school_name, "period": figures.period.label, "made_on": long_date(made_on),
            "handed_in": f"{figures.handed_in:,}", "handed_back": f"{figures.handed_back:,}",
            "left_overnight": f"{figures.left_uncollected:,}", "confiscations": f"{c.total:,}",
            "released": f"{c.released:,}", "still_held": f"{c.still_held:,}",
            "repeat_pupils": f"{len(c.repeat_pupils):,}", "exams": f"{len(figures.exams):,}"}


def send_to_head(*, settings: Settings, at: datetime, template: str, values: dict[str, str], filename: str,
                 pdf: bytes, audit_key: bytes) -> ToHead:
    """Queue `template` to each head's address with `pdf` attached, in one transaction; nothing when it cannot go."""
    reason = why_not_sent(settings)
    if reason:
        return ToHead((), reason)
    filled = templates.fill(template, values, config_folder=config_dir())
    paper = json.dumps({"filename": filename, "pdf": base64.b64encode(pdf).decode("ascii")})
    db = database_proxy.obj
    assert db is not None, "open_database first"
    with write_transaction(db):
        queued = tuple(queue_message(at=at, template=template, audience=Audience.STAFF, recipient=address,
                                     recipient_name=HEAD, subject=filled.subject, body=filled.body,
                                     sender_address=settings.mail_from, attachment=PAPER, attachment_json=paper,
                                     audit_key=audit_key, desk=settings.desk)
                       for address in head_addresses(settings))
    return ToHead(queued)


def where_they_are(queued: tuple[QueuedMessage, ...]) -> list[OutboxLine]:
    """The queued messages as the outbox has them now (sent, or waiting for another try, with the server's words)."""
    rows = OutboxMessage.select().where(OutboxMessage.id.in_([m.id for m in queued])).order_by(OutboxMessage.id)
    return [OutboxLine.of(row) for row in rows]
