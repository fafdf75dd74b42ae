"""How the screens word a pupil, a count and a moment: the pupil's line, "3rd", and a time said against today in
the school's time zone (the words for dates and times themselves are kiosk/formatting.py's)."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from kiosk.clock import as_utc, local, local_today
from kiosk.custody import DeskContext, PupilSummary
from kiosk.custody.queries.messages import template_words
from kiosk.formatting import moment, since
from kiosk.mail.outbox import OutboxLine
from kiosk.widgets.plain import plain


def when_text(at: datetime | None, ctx: DeskContext) -> str:
    """'08:31' today, 'Mon 30 Nov 08:31' on another day, in the school's time."""
    if at is None:
        return ""
    return moment(local(as_utc(at), ctx.settings.tz), local_today(ctx.clock, ctx.settings.tz))


def since_text(at: datetime | None, ctx: DeskContext) -> str:
    """'today 10:15', or 'Fri 27 Nov 10:15': for how long something has been so, where a bare time would let a
    hold from an earlier day pass for this morning's."""
    if at is None:
        return ""
    return since(local(as_utc(at), ctx.settings.tz), local_today(ctx.clock, ctx.settings.tz))


def ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 4th… 11th, 12th, 13th, 21st."""
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def pupil_line(pupil: PupilSummary) -> Text:
    """Name (bold), form, year and MIS id: the roster's own words as plain text, never markup."""
    year = f" · Year {pupil.year}" if pupil.year is not None else ""
    return plain(Text.assemble((pupil.name, "bold"), f" · {pupil.form}{year} · MIS {pupil.mis_id}"))


# ── what was sent: the Outbox's words and the release screen's (one wording for a message's fate) ──────────
MESSAGE_STATE_WORDS = {"queued": "waiting", "sending": "sending…", "sent": "sent", "failed": "FAILED",
               "withheld": "withheld (hold)"}


def message_state(line: OutboxLine, ctx: DeskContext) -> str:
    """'sent 08:31', 'waiting (next try 08:36)', 'FAILED: 550 …', 'withheld (hold)': one message's fate in words."""
    if line.state == "sent":
        how = " by export" if line.sent_by == "export" else ""
        return f"sent{how} {when_text(line.sent_at, ctx)}"
    if line.state == "queued":
        return (f"not sent yet (next try {when_text(line.next_try_at, ctx)})" if line.attempts
                else "waiting to send")
    if line.state == "failed":
        return f"FAILED: {line.answer or 'no answer'} (the Outbox can send it again)"
    return MESSAGE_STATE_WORDS.get(line.state, line.state)


def sent_about(lines: tuple[OutboxLine, ...] | list[OutboxLine], ctx: DeskContext) -> str:
    """What was sent about one phone, oldest first: "Messages: confiscation notice to Mrs Dana Hall
    <hall.1@family.example>, queued 08:30, sent 08:31" — one line each (names and addresses are text)."""
    if not lines:
        return ""
    said = [f"{template_words(line.template)} to {line.recipient_name} <{line.recipient}>, queued "
            f"{when_text(line.created_at, ctx)}, {message_state(line, ctx)}"
            for line in sorted(lines, key=lambda line: (line.created_at, line.id))]
    return "Messages about this phone:\n" + "\n".join(f"  · {words}" for words in said)
