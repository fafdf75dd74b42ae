"""Recording an examination of a confiscated phone's data, and anything erased (policy §6.1; DfE 'Searching,
screening and confiscation'): reached from the DSL's holds screen (X). The head, or the DSL as the role the head has
authorised, types their own initials and PIN to authorise it. A phone on a safeguarding hold or with the police is
refused by the domain (kiosk/custody/examinations.py): evidence is never examined or erased in school.

What was looked at and erased is typed here and saved encrypted; once saved it is not shown again on this screen."""

from __future__ import annotations

from functools import partial

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Checkbox, DataTable, Footer, Input, Label, Static

from kiosk.auth.roles import Permission
from kiosk.custody import DeskContext, DeskError
from kiosk.custody.examinations import Authorisation, ExaminationRecorded, record_examination
from kiosk.custody.queries.cases import HeldPhone, confiscated_phones
from kiosk.custody.states import state_words
from kiosk.screens.base import FOCUSED_BUTTON_CSS
from kiosk.screens.desk_card import DeskCardKeys
from kiosk.screens.wording import when_text
from kiosk.text import plain_text
from kiosk.widgets.message_line import MessageLine
from kiosk.widgets.plain import plain, plain_cells
from kiosk.widgets.tick_box import TickBox
from kiosk.widgets.title_bar import TitleBar
from kiosk.widgets.worker_jobs import READING, SAVING, BusyButton, on_the_worker

TEXT_FIELDS = (("exam-by", "Examined by", "who looked at the data"),
               ("exam-reason", "Good reason", "why it was necessary (policy §6.1)"),
               ("exam-looked", "What was looked at", "e.g. messages app, one thread"),
               ("exam-erased-what", "What was erased", "only if something was erased"))


class ExaminationScreen(DeskCardKeys, Screen[None]):
    """The confiscated phones in the school's hands; for the chosen one, the examination's particulars and the
    authoriser's PIN. Saved on the desk's worker; a refusal is said under the form and nothing is recorded."""

    DEFAULT_CSS = FOCUSED_BUTTON_CSS

    AUTO_FOCUS = "#exam-phones"
    BINDINGS = [Binding("escape", "back", "Holds")]

    def __init__(self, ctx: DeskContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.phones: dict[int, HeldPhone] = {}
        self.current: int | None = None
        self.saving: BusyButton | None = None

    @property
    def allowed(self) -> bool:
        return self.ctx.who.can(Permission.RECORD_EXAMINATION)

    def compose(self) -> ComposeResult:
        who = self.ctx.who
        yield TitleBar(school=self.ctx.settings.school_name, desk=self.ctx.desk, clock=self.ctx.clock,
                       tz=self.ctx.settings.tz, staff=f"{who.name} ({who.role})")
        yield Static("EXAMINING OR ERASING A PHONE'S DATA · policy §6.1 · DSL and head only",
                     classes="screen-heading -holds")
        with VerticalScroll(id="exam-body"):
            yield DataTable(id="exam-phones", cursor_type="row", zebra_stripes=True)
            yield Static(id="exam-empty")
            with Vertical(id="exam-form-box"):
                yield Static(id="exam-phone")
                with Grid(classes="form"):
                    for field_id, label, placeholder in TEXT_FIELDS:
                        yield Label(label)
                        yield Input(placeholder=placeholder, id=field_id, compact=True)
                    yield Label("Authoriser")
                    yield Input(placeholder="the head's (or DSL's) initials", id="exam-auth", compact=True)
                    yield Label("Authoriser's PIN")
                    yield Input(password=True, placeholder="typed by them", id="exam-pin", compact=True)
                with Horizontal(id="search-told"):
                    yield TickBox("Something was erased", id="exam-erased", compact=True)
                    yield TickBox("DSL told", id="exam-dsl", compact=True)
                    yield TickBox("A parent told", id="exam-parent", compact=True)
                with Horizontal(classes="buttons"):
                    yield Button("Record the examination", variant="error", id="exam-save")
            yield MessageLine(id="exam-result")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#exam-phones", DataTable)
        table.add_columns("Pupil", "Form", "Confiscated", "Bag", "Now")
        if not self.allowed:
            table.display = False
            self.query_one("#exam-form-box").display = False
            self.query_one("#exam-empty", Static).update(plain("Only the DSL or the head records an examination."))
            return
        self.query_one("#exam-empty", Static).update(plain(f"The confiscated phones: {READING}"))
        self.query_one("#exam-form-box").display = False
        on_the_worker(self, confiscated_phones, then=self.reload,
                      failed=lambda error: self.say(error.message, ok=False))

    def reload(self, phones: tuple[HeldPhone, ...]) -> None:
        self.phones = {p.record.id: p for p in phones}
        table = self.query_one("#exam-phones", DataTable)
        table.clear()
        for phone in phones:
            # The DSL and head read this screen: a hold is named as one (and refused when chosen).
            table.add_row(*plain_cells(phone.pupil.name, phone.pupil.form,
                                       when_text(phone.record.held_since, self.ctx), phone.record.seal_number or "—",
                                       state_words(phone.record.state, short=True)), key=str(phone.record.id))
        table.display = bool(phones)
        empty = self.query_one("#exam-empty", Static)
        empty.update(plain("No confiscated phone is in the school's hands."))
        empty.display = not phones
        self.choose(next(iter(self.phones)) if self.phones else None)

    @on(DataTable.RowHighlighted, "#exam-phones")
    def highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self.choose(int(event.row_key.value))

    def choose(self, custody_id: int | None) -> None:
        self.current = custody_id
        self.query_one("#exam-form-box").display = custody_id is not None
        if custody_id is None:
            return
        phone = self.phones[custody_id]
        self.query_one("#exam-phone", Static).update(plain(
            f"{phone.pupil.name} · {phone.pupil.form} · bag {phone.record.seal_number or '—'} · "
            f"{state_words(phone.record.state)}"))

    def value(self, field_id: str) -> str:
        return plain_text(self.query_one(f"#{field_id}", Input).value, lines=True)

    def ticked(self, field_id: str) -> bool:
        return self.query_one(f"#{field_id}", Checkbox).value

    @on(Input.Submitted)
    def next_field(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "exam-pin":
            self.save()
        else:
            self.focus_next()

    @on(Button.Pressed, "#exam-save")
    def pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.save()

    def save(self) -> None:
        if self.saving is not None or self.current is None:
            return
        custody_id = self.current
        pin_box = self.query_one("#exam-pin", Input)
        authorisation = Authorisation(initials=self.value("exam-auth"), pin=pin_box.value) \
            if self.value("exam-auth") or pin_box.value else None
        pin_box.value = ""  # the PIN is typed for this one attempt, never kept on screen
        self.saving = BusyButton(self.query_one("#exam-save", Button))
        self.query_one("#exam-result", MessageLine).waiting(SAVING)
        on_the_worker(self, partial(record_examination, self.ctx, custody_id=custody_id,
                                    examined_by_name=self.value("exam-by"), authorisation=authorisation,
                                    reason=self.value("exam-reason"), looked_at=self.value("exam-looked"),
                                    erased=self.ticked("exam-erased"), erased_what=self.value("exam-erased-what"),
                                    dsl_told=self.ticked("exam-dsl"), parent_told=self.ticked("exam-parent")),
                      then=self.saved, failed=self.refused)

    def saved(self, recorded: ExaminationRecorded) -> None:
        self.done_saving()
        for field_id, _label, _placeholder in TEXT_FIELDS:
            self.query_one(f"#{field_id}", Input).value = ""
        self.query_one("#exam-auth", Input).value = ""
        for box in ("exam-erased", "exam-dsl", "exam-parent"):
            self.query_one(f"#{box}", Checkbox).value = False
        name = self.phones[recorded.custody_id].pupil.name if recorded.custody_id in self.phones else "the pupil"
        self.say(f"Examination of {name}'s phone recorded, authorised by {recorded.authorised_by}.")

    def refused(self, error: DeskError) -> None:
        self.done_saving()
        self.say(error.message, ok=False)

    def done_saving(self) -> None:
        if self.saving is not None:
            self.saving.done()
            self.saving = None

    def say(self, message: str, *, ok: bool = True) -> None:
        self.query_one("#exam-result", MessageLine).say(message, "ok" if ok else "refused")

    def action_back(self) -> None:
        if self.saving is not None:
            return  # the examination is being saved: the answer comes in a moment
        self.dismiss()
