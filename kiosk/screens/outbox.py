"""The Outbox: every message to carers and the DSL, newest first — sent, waiting, failed or withheld, with the
server's own answer — and a failed one queued again with R (a withheld one by the DSL or head only)."""

from __future__ import annotations

from functools import partial

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from kiosk.custody import DeskContext, DeskError
from kiosk.custody.notices import retry_message
from kiosk.custody.queries.messages import outbox_messages, template_words
from kiosk.mail.outbox import OutboxLine
from kiosk.screens.wording import when_text
from kiosk.widgets.message_line import MessageLine
from kiosk.widgets.plain import plain, plain_cells
from kiosk.widgets.title_bar import TitleBar
from kiosk.widgets.worker_jobs import READING, on_the_worker

STATE_WORDS = {"queued": "waiting", "sending": "sending…", "sent": "sent", "failed": "FAILED",
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
    return STATE_WORDS.get(line.state, line.state)


def sent_about(lines: tuple[OutboxLine, ...] | list[OutboxLine], ctx: DeskContext) -> str:
    """What was sent about one phone, oldest first: "Messages: confiscation notice to Mrs Dana Hall
    <hall.1@family.example>, queued 08:30, sent 08:31" — one line each (names and addresses are text)."""
    if not lines:
        return ""
    said = [f"{template_words(line.template)} to {line.recipient_name} <{line.recipient}>, queued "
            f"{when_text(line.created_at, ctx)}, {message_state(line, ctx)}"
            for line in sorted(lines, key=lambda line: (line.created_at, line.id))]
    return "Messages about this phone:\n" + "\n".join(f"  · {words}" for words in said)


class OutboxScreen(Screen[None]):
    """The desk's view of the outbox (issue 18)."""

    # Its own few rules here rather than in kiosk.tcss, which every screen's author edits.
    DEFAULT_CSS = """
    OutboxScreen #outbox-body { height: 1fr; padding: 0 1; }
    OutboxScreen #outbox-empty { margin: 1 0; color: $text-muted; }
    OutboxScreen #outbox { height: auto; max-height: 14; }
    OutboxScreen #outbox-detail { margin-top: 1; padding: 0 1; background: $panel; }
    OutboxScreen #outbox-result { margin-top: 1; }
    """
    AUTO_FOCUS = "#outbox"
    BINDINGS = [
        Binding("escape", "back", "Desk"),
        Binding("f", "failed_only", "Failed only"),
        Binding("r", "retry", "Send again"),
    ]

    def __init__(self, ctx: DeskContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.failed_only = False
        self.lines: dict[int, OutboxLine] = {}

    def compose(self) -> ComposeResult:
        who = self.ctx.who
        yield TitleBar(school=self.ctx.settings.school_name, desk=self.ctx.desk, clock=self.ctx.clock,
                       tz=self.ctx.settings.tz, staff=f"{who.name} ({who.role})")
        yield Static("OUTBOX · messages to carers and the DSL", classes="screen-heading")
        with VerticalScroll(id="outbox-body"):
            yield DataTable(id="outbox", cursor_type="row", zebra_stripes=True)
            yield Static(id="outbox-empty")
            yield Static(id="outbox-detail")
            yield MessageLine(id="outbox-result")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#outbox", DataTable).add_columns("When", "State", "To", "Message", "Server's answer")
        self.refresh_lines()

    def refresh_lines(self) -> None:
        self.query_one("#outbox-empty", Static).update(plain(f"The outbox: {READING}"))
        on_the_worker(self, partial(outbox_messages, failed_only=self.failed_only), then=self.reload,
                      failed=self.not_read)

    def not_read(self, error: DeskError) -> None:
        self.say(error.message, ok=False)

    def reload(self, lines: tuple[OutboxLine, ...]) -> None:
        self.lines = {line.id: line for line in lines}
        table = self.query_one("#outbox", DataTable)
        table.clear()
        for line in lines:
            # Names and addresses are text, never markup (kiosk/widgets/plain.py).
            # What matters most first, so 80 columns show it: when, its state, the address (the name is the
            # carer's as the MIS has it, on the pupil page); the server's answer as far as the width allows.
            table.add_row(*plain_cells(when_text(line.sent_at or line.created_at, self.ctx),
                                       STATE_WORDS.get(line.state, line.state) + (
                                           f" · resent {line.resends}" if line.resends else ""),
                                       line.recipient, template_words(line.template), line.answer or ""),
                          key=str(line.id))
        table.display = bool(lines)
        empty = "No failed messages." if self.failed_only else "No messages yet."
        self.query_one("#outbox-empty", Static).update(plain(empty))
        self.query_one("#outbox-empty").display = not lines
        self.show_detail(lines[0] if lines else None)

    def highlighted_line(self) -> OutboxLine | None:
        table = self.query_one("#outbox", DataTable)
        if not self.lines or table.cursor_row < 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.lines.get(int(key)) if key is not None else None

    def action_failed_only(self) -> None:
        self.failed_only = not self.failed_only
        self.refresh_lines()

    def action_retry(self) -> None:
        line = self.highlighted_line()
        if line is None:
            return
        if line.state not in ("failed", "withheld"):
            self.say(f"That message is {STATE_WORDS.get(line.state, line.state)}: only a failed or withheld one can "
                     "be sent again.", ok=False)
            return
        on_the_worker(self, partial(retry_message, self.ctx, message_id=line.id), then=self.retried,
                      failed=self.not_sent_again)

    def retried(self, line: OutboxLine) -> None:
        self.say(f"✔ Queued again: {template_words(line.template)} to {line.recipient}.")
        self.refresh_lines()

    def not_sent_again(self, error: DeskError) -> None:
        self.say(error.message, ok=False)

    def say(self, message: str, *, ok: bool = True) -> None:
        self.query_one("#outbox-result", MessageLine).say(message, "ok" if ok else "refused")

    @on(DataTable.RowHighlighted, "#outbox")
    def highlighted(self, event: DataTable.RowHighlighted) -> None:
        line = self.lines.get(int(event.row_key.value)) if event.row_key.value is not None else None
        self.show_detail(line)

    def show_detail(self, line: OutboxLine | None) -> None:
        """The highlighted message in full: who, what, each try and the server's words (cut short in the table)."""
        detail = self.query_one("#outbox-detail", Static)
        detail.display = line is not None
        if line is None:
            return
        tries = f"{line.attempts} tr{'y' if line.attempts == 1 else 'ies'}" + (
            f", resent {line.resends}× after the kiosk stopped mid-send" if line.resends else "")
        sent = (f"sent {when_text(line.sent_at, self.ctx)}" if line.sent_at
                else f"next try {when_text(line.next_try_at, self.ctx)}")
        detail.update(plain(f"To {line.recipient_name} <{line.recipient}>\n{line.subject}\n"
                            f"{STATE_WORDS.get(line.state, line.state)} · {tries} · "
                            f"{sent if line.state in ('sent', 'queued') else 'not sent'}\n"
                            f"Server: {line.answer or '—'}"))

    @on(DataTable.RowSelected, "#outbox")
    def chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()

    def action_back(self) -> None:
        self.dismiss()
