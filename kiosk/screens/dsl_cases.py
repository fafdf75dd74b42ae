"""The DSL's cases beyond the holds (issue 16): phones with the police, each an open case until the police's outcome
is recorded (returned, retained, destroyed); the closed cases, whose DSL notes stay readable to the DSL and the head;
and the searches the DSL was told of. DSL and head only: any other role is shown nothing (the domain refuses too).

Reads and writes run on the desk's worker; notes are shown only when asked for, and each reading is audited
(kiosk.custody.safeguarding.read_dsl_notes)."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Input, Label, RadioButton, RadioSet, Static

from kiosk.auth.roles import Permission
from kiosk.auth.staff import AccountLocked
from kiosk.custody import DeskContext
from kiosk.custody.queries.cases import PoliceCase, SearchTold, closed_cases, police_cases_open, searches_for_the_dsl
from kiosk.custody.safeguarding import OUTCOME_WORDS, NoteView, read_dsl_notes, record_police_outcome
from kiosk.custody.states import POLICE_OUTCOMES, Move, state_words
from kiosk.errors import DeskError
from kiosk.messages import LockRequested
from kiosk.screens.base import FOCUSED_BUTTON_CSS
from kiosk.screens.desk_card import DeskCardKeys
from kiosk.screens.record_dialog import RecordDialog
from kiosk.screens.wording import since_text, when_text
from kiosk.text import plain_text
from kiosk.widgets.message_line import MessageLine
from kiosk.widgets.plain import plain, plain_cells
from kiosk.widgets.title_bar import TitleBar
from kiosk.widgets.worker_jobs import READING, on_the_worker

ONLY_DSL = "Only the DSL or the head can open the DSL's cases."


class PoliceOutcomeDialog(RecordDialog[bool]):
    """The police's outcome of one case: returned (held for a parent again), retained or destroyed, with the police
    reference; an optional note is kept as a DSL note. Returned, it asks the seal the phone came back in (the
    police's bag kept, or a new school bag: a link in the chain of custody); every outcome asks the DSL's (or
    head's) own PIN, last, as the handover to the police did. Dismisses True once recorded."""

    DEFAULT_CSS = FOCUSED_BUTTON_CSS
    AUTO_FOCUS = "#outcome"
    RECORD_BUTTON = "outcome-ok"
    ERROR_LINE = "outcome-error"
    LAST_FIELD = "outcome-pin"
    CANCELLED = False

    def __init__(self, ctx: DeskContext, case: PoliceCase) -> None:
        super().__init__()
        self.ctx = ctx
        self.case = case

    def compose(self) -> ComposeResult:
        with Vertical(id="outcome-dialog", classes="dialog -danger"):
            yield Label(plain(f"The police's outcome · {self.case.pupil.name}"), classes="dialog-title",
                        markup=False)
            yield Label(plain(f"Handed to {self.case.officer}, crime reference {self.case.crime_reference}."),
                        classes="dialog-hint", markup=False)
            with RadioSet(id="outcome", compact=True):
                for move in POLICE_OUTCOMES:
                    words = OUTCOME_WORDS[move]
                    if move is Move.RETURNED_BY_POLICE:
                        words += ": held for a parent again"
                    yield RadioButton(words[0].upper() + words[1:], id=f"outcome-{move.name}", compact=True)
            with Grid(classes="form"):
                yield Label("Police reference")
                yield Input(value=self.case.crime_reference if self.case.crime_reference != "—" else "",
                            placeholder="crime reference or property number", id="outcome-ref", compact=True)
                yield Label("Note for the DSL")
                yield Input(placeholder="optional: kept as a DSL note", id="outcome-note", compact=True)
                # Only for a return (shown when it is chosen): the bag the phone is back in.
                yield Label("Seal it came back in", id="outcome-seal-label")
                yield Input(placeholder="the police's evidence seal, or a new school bag", id="outcome-seal",
                            compact=True)
                yield Label("Your PIN")
                yield Input(password=True, placeholder=f"{self.ctx.who.name}: re-enter your PIN to record it",
                            id="outcome-pin", compact=True)
            yield MessageLine(id="outcome-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Record the outcome", variant="error", id="outcome-ok")
                yield Button("Cancel (Esc)", id="outcome-cancel")

    def on_mount(self) -> None:
        self.show_seal()

    @on(RadioSet.Changed, "#outcome")
    def outcome_chosen(self) -> None:
        self.show_seal()

    def show_seal(self) -> None:
        returned = self.outcome is Move.RETURNED_BY_POLICE
        for widget_id in ("outcome-seal-label", "outcome-seal"):
            self.query_one(f"#{widget_id}").display = returned

    @property
    def outcome(self) -> Move | None:
        pressed = self.query_one("#outcome", RadioSet).pressed_button
        return Move[(pressed.id or "").removeprefix("outcome-")] if pressed is not None else None

    def read_and_save(self) -> None:
        outcome = self.outcome
        if outcome is None:
            self.error_line.say("Choose the outcome: returned, retained or destroyed.")
            return
        seal = plain_text(self.query_one("#outcome-seal", Input).value) if outcome is Move.RETURNED_BY_POLICE else ""
        pin_box = self.query_one("#outcome-pin", Input)
        pin, pin_box.value = pin_box.value, ""  # a PIN is taken into one save, never left in the box
        self.save(partial(record_police_outcome, self.ctx, self.case.record.id, outcome=outcome,
                          police_reference=plain_text(self.query_one("#outcome-ref", Input).value),
                          note=plain_text(self.query_one("#outcome-note", Input).value, lines=True),
                          seal=seal, pin=pin),
                  answer=lambda _: True)

    def refused(self, error: DeskError) -> None:
        super().refused(error)
        if isinstance(error, AccountLocked):  # wrong PINs typed here locked the account signed in: the desk locks
            self.post_message(LockRequested("account locked"))


class CasesScreen(DeskCardKeys, Screen[None]):
    """Phones with the police awaiting the outcome (closed=False), or the cases whose outcome is recorded
    (closed=True); the chosen case's DSL notes are read when asked for."""

    DEFAULT_CSS = FOCUSED_BUTTON_CSS

    AUTO_FOCUS = "#cases"
    BINDINGS = [
        Binding("escape", "back", "Holds"),
        Binding("r", "read_notes", "Notes"),
        Binding("o", "outcome", "Outcome"),
    ]

    def __init__(self, ctx: DeskContext, *, closed: bool) -> None:
        super().__init__()
        self.ctx = ctx
        self.closed = closed
        self.cases: dict[int, PoliceCase] = {}
        self.current: int | None = None
        self.notes_asked = 0

    @property
    def allowed(self) -> bool:
        return self.ctx.who.can(Permission.READ_DSL_NOTES)

    @property
    def empty_words(self) -> str:
        return ("No case has a police outcome recorded yet." if self.closed
                else "No phone is with the police awaiting an outcome.")

    def compose(self) -> ComposeResult:
        who = self.ctx.who
        yield TitleBar(school=self.ctx.settings.school_name, desk=self.ctx.desk, clock=self.ctx.clock,
                       tz=self.ctx.settings.tz, staff=f"{who.name} ({who.role})")
        heading = "CLOSED CASES" if self.closed else "WITH THE POLICE · open until the outcome is recorded"
        yield Static(f"{heading} · DSL and head only", classes="screen-heading -holds")
        with VerticalScroll(id="cases-body"):
            yield DataTable(id="cases", cursor_type="row", zebra_stripes=True)
            yield Static(id="cases-empty")
            with Vertical(id="case-detail"):
                yield Static(id="case-facts")
                with Horizontal(classes="buttons"):
                    yield Button("Read notes (R)", id="case-read")
                    if not self.closed:
                        yield Button("Record the outcome (O)", variant="error", id="case-outcome")
                yield Static(id="case-notes")
            yield MessageLine(id="case-result")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#cases", DataTable)
        table.add_columns("Pupil", "Form", "To the police", "Crime ref", "Outcome" if self.closed else "Officer")
        if not self.allowed:
            self.query_one("#cases").display = False
            self.query_one("#case-detail").display = False
            self.query_one("#cases-empty", Static).update(plain(ONLY_DSL))
            return
        self.refresh_cases()

    def refresh_cases(self) -> None:
        self.query_one("#cases-empty", Static).update(plain(f"The cases: {READING}"))
        self.query_one("#cases-empty").display = not self.cases
        on_the_worker(self, closed_cases if self.closed else police_cases_open, then=self.reload,
                      failed=lambda error: self.say(error.message, ok=False))

    def reload(self, cases: tuple[PoliceCase, ...]) -> None:
        self.cases = {c.record.id: c for c in cases}
        self.query_one("#cases-empty", Static).update(plain(self.empty_words))
        table = self.query_one("#cases", DataTable)
        table.clear()
        for case in self.cases.values():
            last = case.outcome if self.closed else case.officer
            table.add_row(*plain_cells(case.pupil.name, case.pupil.form, since_text(case.handed_over_at, self.ctx),
                                       case.crime_reference, last or "—"), key=str(case.record.id))
        table.display = bool(self.cases)
        self.query_one("#cases-empty").display = not self.cases
        self.show_case(next(iter(self.cases)) if self.cases else None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "read_notes":
            return self.allowed and self.current is not None
        if action == "outcome":
            return self.allowed and not self.closed and self.current is not None
        return True

    @on(DataTable.RowHighlighted, "#cases")
    def highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self.show_case(int(event.row_key.value))

    def show_case(self, custody_id: int | None) -> None:
        self.current = custody_id
        self.query_one("#case-detail").display = custody_id is not None
        notes = self.query_one("#case-notes", Static)
        notes.update("")
        notes.display = False
        self.refresh_bindings()
        if custody_id is None:
            return
        self.query_one("#case-facts", Static).update(plain(self.facts(self.cases[custody_id])))

    def facts(self, case: PoliceCase) -> Text:
        text = Text.assemble((f"{case.pupil.name} · {case.pupil.form}", "bold"), f" · MIS {case.pupil.mis_id}\n",
                             f"Bag {case.record.seal_number or '—'} · handed to {case.officer} "
                             f"{since_text(case.handed_over_at, self.ctx)} · crime reference {case.crime_reference}")
        if case.outcome:
            at = datetime.fromisoformat(case.outcome_at) if case.outcome_at else None
            text.append(f"\nOutcome: {case.outcome} · reference {case.outcome_reference or '—'} · recorded by "
                        f"{case.outcome_by or '—'}, {since_text(at, self.ctx)}", style="bold")
            text.append(f"\nThe phone now: {state_words(case.record.state)}")
        else:
            text.append("\nOpen: no outcome from the police recorded yet.", style="bold")
        return text

    def say(self, message: str, *, ok: bool = True) -> None:
        self.query_one("#case-result", MessageLine).say(message, "ok" if ok else "refused")

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "case-read":
            self.action_read_notes()
        elif event.button.id == "case-outcome":
            self.action_outcome()

    def action_back(self) -> None:
        self.dismiss()

    def action_read_notes(self) -> None:
        if self.current is None:
            return
        custody_id = self.current
        self.notes_asked += 1
        asked = self.notes_asked
        shown = self.query_one("#case-notes", Static)
        shown.update(plain(Text(f"DSL notes: {READING}", style="bold")))
        shown.display = True
        on_the_worker(self, partial(read_dsl_notes, self.ctx, custody_id),
                      then=lambda notes: self.show_notes(custody_id, asked, notes),
                      failed=lambda error: self.say(error.message, ok=False))

    def show_notes(self, custody_id: int, asked: int, notes: list[NoteView]) -> None:
        if custody_id != self.current or asked != self.notes_asked:
            return
        text = Text("DSL notes (this reading is recorded)", style="bold")
        for note in notes:
            text.append(f"\n{when_text(note.at, self.ctx)} · {note.author}: ", style="bold")
            text.append(note.text)
        if not notes:
            text.append("\nNo notes.")
        self.query_one("#case-notes", Static).update(plain(text))

    def action_outcome(self) -> None:
        if self.current is None or self.closed:
            return
        case = self.cases[self.current]

        def done(recorded: bool | None) -> None:
            if recorded:
                self.refresh_cases()
                self.say(f"Outcome recorded for {case.pupil.name}'s phone. It is in the closed cases (K on the "
                         "holds screen).")

        self.app.push_screen(PoliceOutcomeDialog(self.ctx, case), done)


class PoliceCasesScreen(CasesScreen):
    """The phones with the police, each an open case until its outcome is recorded (registry: "police_cases")."""

    def __init__(self, ctx: DeskContext) -> None:
        super().__init__(ctx, closed=False)


class ClosedCasesScreen(CasesScreen):
    """The cases whose police outcome is recorded, their notes readable to the DSL and head ("closed_cases")."""

    def __init__(self, ctx: DeskContext) -> None:
        super().__init__(ctx, closed=True)


class SearchesToldScreen(DeskCardKeys, Screen[None]):
    """Searches recorded with "DSL informed" (policy §6.1: the DSL is always told of a search), the latest first:
    who, when, whether anything was found. The grounds and findings stay in the search record."""

    DEFAULT_CSS = FOCUSED_BUTTON_CSS

    AUTO_FOCUS = "#searches-told"
    BINDINGS = [Binding("escape", "back", "Holds")]

    def __init__(self, ctx: DeskContext) -> None:
        super().__init__()
        self.ctx = ctx

    def compose(self) -> ComposeResult:
        who = self.ctx.who
        yield TitleBar(school=self.ctx.settings.school_name, desk=self.ctx.desk, clock=self.ctx.clock,
                       tz=self.ctx.settings.tz, staff=f"{who.name} ({who.role})")
        yield Static("SEARCHES THE DSL WAS TOLD OF · DSL and head only", classes="screen-heading -holds")
        with VerticalScroll(id="searches-body"):
            yield DataTable(id="searches-told", cursor_type="row", zebra_stripes=True)
            yield Static(id="searches-empty")
            yield MessageLine(id="searches-result")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#searches-told", DataTable)
        table.add_columns("When", "Pupil", "Form", "Searched by", "Authorised by", "Found", "Parent told")
        if not self.ctx.who.can(Permission.READ_DSL_NOTES):
            table.display = False
            self.query_one("#searches-empty", Static).update(plain(ONLY_DSL))
            return
        self.query_one("#searches-empty", Static).update(plain(f"The searches: {READING}"))
        on_the_worker(self, searches_for_the_dsl, then=self.show,
                      failed=lambda error: self.query_one("#searches-result", MessageLine).say(error.message,
                                                                                                "refused"))

    def show(self, searches: tuple[SearchTold, ...]) -> None:
        table = self.query_one("#searches-told", DataTable)
        table.clear()
        for told in searches:
            table.add_row(*plain_cells(when_text(told.at, self.ctx), told.pupil.name, told.pupil.form,
                                       told.searched_by, told.authorised_by,
                                       "nothing" if told.nothing_found else "something (see the record)",
                                       "yes" if told.parent_informed else "no"), key=str(told.id))
        table.display = bool(searches)
        empty = self.query_one("#searches-empty", Static)
        empty.update(plain("No search has been recorded with the DSL informed."))
        empty.display = not searches

    def action_back(self) -> None:
        self.dismiss()
