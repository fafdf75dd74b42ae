"""Safeguarding holds (policy §6.1): flagging a concern, the DSL's alert on sign-in, and the DSL's holds screen.

Only the DSL and the head ever see a DSL note's text, and only on the holds screen after asking to read it
(each reading is an audit event). Nothing here shows note text to anyone else, not even the person who
wrote the concern.

Every read and write runs on the desk's worker (kiosk/widgets/worker_jobs.py); a dialog stays open until its
answer ("Saving…" on its button), the holds screen says reading… until its list and notes come.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Checkbox, DataTable, Footer, Input, Label, RadioButton, RadioSet, Static

from kiosk.auth.roles import Permission, Role
from kiosk.auth.staff import AccountLocked
from kiosk.custody import DeskContext, DeskError
from kiosk.custody.concerns import CONCERN_WORDS, ConcernKind, concern_words
from kiosk.custody.queries import Hold, dsl_note_count, holds_now
from kiosk.custody.safeguarding import (
    NoteView,
    PoliceHandover,
    add_dsl_note,
    clear_hold,
    concern_of,
    flag_safeguarding,
    hand_to_police,
    read_dsl_notes,
)
from kiosk.messages import LockRequested, OpenScreen
from kiosk.screens.base import FOCUSED_BUTTON_CSS
from kiosk.screens.desk_card import DeskCardKeys
from kiosk.screens.dialogs import TextPrompt
from kiosk.screens.record_dialog import RecordDialog
from kiosk.screens.wording import since_text, when_text
from kiosk.text import plain_text
from kiosk.widgets.hold_instructions import HoldInstructions
from kiosk.widgets.message_line import MessageLine
from kiosk.widgets.plain import plain, plain_cells
from kiosk.widgets.tick_box import TickBox
from kiosk.widgets.title_bar import TitleBar
from kiosk.widgets.worker_jobs import READING, on_the_worker

ACKNOWLEDGE = "I have read these instructions and I am following them now"


class FlagSafeguarding(RecordDialog[bool]):
    """Puts a confiscated phone on a safeguarding hold. The instructions are shown first and must be
    acknowledged; without the tick the domain refuses and nothing changes. Dismisses True once held: Esc waits
    while it is being saved, as the screen behind must learn whether the phone is on hold."""

    DEFAULT_CSS = FOCUSED_BUTTON_CSS
    AUTO_FOCUS = "#concern"
    RECORD_BUTTON = "flag-ok"
    ERROR_LINE = "flag-error"
    CANCELLED = False

    def __init__(self, ctx: DeskContext, *, custody_id: int, pupil_name: str) -> None:
        super().__init__()
        self.ctx = ctx
        self.custody_id = custody_id
        self.pupil_name = pupil_name

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="flag", classes="dialog -danger"):
            yield Label(plain(f"Safeguarding concern · {self.pupil_name}"), classes="dialog-title", markup=False)
            yield HoldInstructions(id="flag-instructions")
            yield Label("The concern in a few words, and its kind, for the DSL. Once saved only the DSL and the "
                        "head can read them.", classes="dialog-hint")
            yield Input(placeholder="what was seen or reported (not what is on the phone)", id="concern",
                        compact=True)
            with RadioSet(id="kind", compact=True):
                for kind, words in CONCERN_WORDS.items():
                    yield RadioButton(words, id=f"kind-{kind.value}", compact=True)
            yield TickBox(ACKNOWLEDGE, id="acknowledged", compact=True)
            yield MessageLine(id="flag-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Put on safeguarding hold", variant="error", id="flag-ok")
                yield Button("Cancel (Esc)", id="flag-cancel")

    def enter_in(self, field: Input) -> None:
        """Enter after the concern goes on to its kind (the tick and the button follow): it never saves."""
        self.query_one("#kind", RadioSet).focus()

    @property
    def kind(self) -> ConcernKind | None:
        pressed = self.query_one("#kind", RadioSet).pressed_button
        return ConcernKind((pressed.id or "").removeprefix("kind-")) if pressed is not None else None

    @on(RadioSet.Changed, "#kind")
    def kind_chosen(self, event: RadioSet.Changed) -> None:
        """The steps the chosen kind requires appear under the instructions, before anyone ticks them."""
        event.stop()
        self.query_one("#flag-instructions", HoldInstructions).show_kind(self.kind)

    def read_and_save(self) -> None:
        self.save(partial(flag_safeguarding, self.ctx, self.custody_id,
                          concern=plain_text(self.query_one("#concern", Input).value, lines=True),
                          acknowledged=self.query_one("#acknowledged", Checkbox).value, kind=self.kind),
                  answer=lambda _: True)


def hold_line(hold: Hold, ctx: DeskContext) -> str:
    return (f"{hold.pupil.name} · {hold.pupil.form} · on hold since {since_text(hold.record.state_changed_at, ctx)}"
            f" · bag {hold.record.seal_number or '—'}")


class HoldsAlert(DeskCardKeys, ModalScreen[bool]):
    """Shown to the DSL or head when they sign in while phones are on a safeguarding hold, or with the police
    awaiting the police's outcome (`police`: that line in words, None when there is none). Dismisses True to open
    the holds screen (which opens the police cases too), False for later."""

    DEFAULT_CSS = FOCUSED_BUTTON_CSS

    AUTO_FOCUS = "#alert-open"
    BINDINGS = [Binding("escape", "later", "Later")]

    def __init__(self, ctx: DeskContext, holds: Sequence[Hold], *, police: str | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.holds = list(holds)  # read by the desk on its worker (kiosk.custody.queries.sign_in_alert)
        self.police = police

    def compose(self) -> ComposeResult:
        count = len(self.holds)
        title = "1 phone is" if count == 1 else f"{count} phones are"
        headline = f"⚠ {title} on a safeguarding hold" if count else f"⚠ {self.police}"
        with Vertical(id="holds-alert", classes="dialog -danger"):
            yield Label(plain(headline), id="alert-title", classes="dialog-title")
            hint = Label("Waiting for the DSL. Each is sealed, switched off and must not be released.",
                         classes="dialog-hint")
            hint.display = bool(count)
            yield hint
            yield Static(READING, id="alert-list")
            more = Label("", id="alert-more", classes="dialog-hint")
            more.display = False
            yield more
            # A case stays open until the police's outcome is recorded (returned, retained or destroyed).
            police = Label(plain(f"⚠ {self.police}: record it when the police say (F10 Holds, then W)."
                                 if count else "Record each outcome when the police say (F10 Holds, then W)."),
                           id="alert-police", classes="dialog-hint")
            police.display = self.police is not None
            yield police
            with Horizontal(classes="dialog-buttons"):
                yield Button("Open the holds (Enter)", variant="error", id="alert-open")
                yield Button("Later (Esc)", id="alert-later")

    def on_mount(self) -> None:
        self.show_holds(tuple(self.holds))

    def show_holds(self, holds: tuple[Hold, ...]) -> None:
        count = len(holds)
        shown = self.query_one("#alert-list", Static)
        shown.update(plain(Text("\n".join(f"• {hold_line(c, self.ctx)}" for c in holds[:8]))))
        shown.display = bool(count)
        more = self.query_one("#alert-more", Label)
        more.update(plain(f"… and {count - 8} more" if count > 8 else ""))
        more.display = count > 8

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "alert-open")

    def action_later(self) -> None:
        self.dismiss(False)


class PoliceHandoverDialog(RecordDialog[bool]):
    """The officer's particulars for a police handover, then the DSL's own PIN (the phone leaves the school's
    custody, as at a release); hands the phone over (WITH_POLICE) on confirm, and dismisses True once that is
    committed: Esc waits meanwhile, as the holds screen must learn whether it went. Wrong PINs typed here that lock
    the account lock the desk, as at a release."""

    DEFAULT_CSS = FOCUSED_BUTTON_CSS
    AUTO_FOCUS = "#officer-name"
    RECORD_BUTTON = "police-ok"
    ERROR_LINE = "police-error"
    CANCELLED = False
    FIELDS = (("officer-name", "Officer's name", "e.g. PC Jo Marsh"),
              ("officer-number", "Officer's number", "collar or warrant number"),
              ("force", "Police force", "e.g. Kent Police"),
              ("crime-ref", "Crime reference", "e.g. 46/123456/26"),
              ("evidence-seal", "Evidence seal number", "the number on the police evidence bag"))
    LAST_FIELD = "police-pin"

    def __init__(self, ctx: DeskContext, *, custody_id: int, pupil_name: str, school_seal: str,
                 phone: str = "") -> None:
        super().__init__()
        self.ctx = ctx
        self.phone = phone  # the phone as recorded at confiscation (issue 16): the officer checks it is the one
        self.custody_id = custody_id
        self.pupil_name = pupil_name
        self.school_seal = school_seal

    def compose(self) -> ComposeResult:
        with Vertical(id="police", classes="dialog -danger"):
            yield Label(plain(f"Hand to the police · {self.pupil_name}"), classes="dialog-title", markup=False)
            yield Label(plain(f"School bag {self.school_seal or '—'}. Check the officer's warrant card before handing "
                        "the phone over."
                        + (f"\nPhone: {self.phone}" if self.phone else "")), classes="dialog-hint", markup=False)
            with Grid(classes="form"):
                for field_id, label, placeholder in self.FIELDS:
                    yield Label(label)
                    yield Input(placeholder=placeholder, id=field_id, compact=True)
                yield Label("Your PIN")
                yield Input(password=True, placeholder=f"{self.ctx.who.name}: re-enter your PIN to hand it over",
                            id="police-pin", compact=True)
            yield MessageLine(id="police-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Hand over and print receipt", variant="error", id="police-ok")
                yield Button("Cancel (Esc)", id="police-cancel")

    def value(self, field_id: str) -> str:
        return plain_text(self.query_one(f"#{field_id}", Input).value)  # kept as plain text (kiosk/text.py)

    def read_and_save(self) -> None:
        handover = PoliceHandover(officer_name=self.value("officer-name"), officer_number=self.value("officer-number"),
                                  force=self.value("force"), crime_reference=self.value("crime-ref"),
                                  seal_number=self.value("evidence-seal"))
        pin_box = self.query_one("#police-pin", Input)
        pin, pin_box.value = pin_box.value, ""  # a PIN is taken into one save, never left in the box
        self.save(partial(hand_to_police, self.ctx, self.custody_id, handover, pin=pin), answer=lambda _: True)

    def refused(self, error: DeskError) -> None:
        super().refused(error)
        if isinstance(error, AccountLocked):  # wrong PINs typed here locked the account signed in: the desk locks
            self.post_message(LockRequested("account locked"))


class HoldsScreen(DeskCardKeys, Screen[None]):
    """The DSL's list of phones on a safeguarding hold, and what the DSL does with each: read and add notes,
    clear the hold, or hand the phone to the police."""

    DEFAULT_CSS = FOCUSED_BUTTON_CSS

    AUTO_FOCUS = "#holds"
    BINDINGS = [
        Binding("escape", "back", "Desk"),
        # Short words, so ^L Lock and F1 Help still fit in an 80-column footer (the buttons say them in full).
        Binding("r", "read_notes", "Notes"),
        Binding("a", "add_note", "Add note"),
        Binding("c", "clear_hold", "Clear"),
        Binding("p", "police", "Police"),
        # The DSL's other lists (issue 16), on buttons below: the footer keeps to 80 columns.
        Binding("w", "open('police_cases')", "With police", show=False),
        Binding("k", "open('closed_cases')", "Closed cases", show=False),
        Binding("s", "open('searches_told')", "Searches", show=False),
        Binding("x", "open('examination')", "Examine", show=False),
    ]

    def __init__(self, ctx: DeskContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.holds: dict[int, Hold] = {}
        self.current: int | None = None
        self.notes_asked = 0  # numbers each reading of the notes, so only the latest asked is shown
        self.kinds: dict[int, ConcernKind | None] = {}  # each hold's kind of concern, once read on the worker
        self.counts: dict[int, int] = {}  # each hold's number of DSL notes, as last read
        self.away = False  # one of the DSL's other lists was opened from here

    @property
    def allowed(self) -> bool:
        return self.ctx.who.can(Permission.READ_DSL_NOTES)

    def compose(self) -> ComposeResult:
        who = self.ctx.who
        yield TitleBar(school=self.ctx.settings.school_name, desk=self.ctx.desk, clock=self.ctx.clock,
                       tz=self.ctx.settings.tz, staff=f"{who.name} ({who.role})")
        yield Static("SAFEGUARDING HOLDS · DSL and head only", classes="screen-heading -holds")
        with VerticalScroll(id="holds-body"):
            yield DataTable(id="holds", cursor_type="row", zebra_stripes=True)
            yield Static("No phone is on a safeguarding hold.", id="holds-empty")
            with Vertical(id="hold-detail"):
                yield Static(id="hold-facts")
                with Horizontal(classes="buttons"):
                    yield Button("Read notes (R)", id="read-notes")
                    yield Button("Add note (A)", id="add-note")
                    yield Button("Clear hold (C)", variant="warning", id="clear")
                    yield Button("Hand to police (P)", variant="error", id="police")
                yield Static(id="hold-notes")
                # The steps the hold's kind of concern requires: below the notes, which are asked for.
                # To the DSL, "Tell the DSL now" is said as what is theirs to do (kiosk/custody/concerns.py).
                yield HoldInstructions(general=False, for_the_dsl=who.role == Role.DSL, id="hold-steps")
            with Horizontal(classes="buttons", id="dsl-lists"):
                yield Button("With the police (W)", id="open-police_cases")
                yield Button("Closed cases (K)", id="open-closed_cases")
                yield Button("Searches told (S)", id="open-searches_told")
                yield Button("Examine a phone (X)", id="open-examination")
            yield MessageLine(id="hold-result")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#holds", DataTable)
        table.add_columns("Pupil", "Form", "On hold since", "Bag", "Reason")
        if not self.allowed:
            # The desk does not offer this screen to other roles; if reached anyway, it shows nothing.
            self.query_one("#holds").display = False
            self.query_one("#hold-detail").display = False
            self.query_one("#dsl-lists").display = False
            self.query_one("#holds-empty", Static).update(plain("Only the DSL or the head can open the holds."))
            return
        self.refresh_holds()

    def refresh_holds(self) -> None:
        """Read the holds on the desk's worker; the list says reading… until they come."""
        self.query_one("#holds-empty", Static).update(plain(f"The phones on a safeguarding hold: {READING}"))
        self.query_one("#holds-empty").display = not self.holds
        on_the_worker(self, holds_now, then=self.reload, failed=self.not_read)

    def not_read(self, error: DeskError) -> None:
        """A reading failed: said under the list, which keeps what it showed (or says nothing was read)."""
        self.say(error.message, ok=False)
        if not self.holds:
            self.query_one("#holds-empty", Static).update(plain("The holds could not be read. Press Esc to go back."))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("read_notes", "add_note", "clear_hold", "police"):
            return self.allowed and self.current is not None
        return True

    def reload(self, holds: tuple[Hold, ...]) -> None:
        self.holds = {h.record.id: h for h in holds}
        self.query_one("#holds-empty", Static).update(plain("No phone is on a safeguarding hold."))
        table = self.query_one("#holds", DataTable)
        table.clear()
        for hold in self.holds.values():
            table.add_row(*plain_cells(hold.pupil.name, hold.pupil.form,
                                       since_text(hold.record.state_changed_at, self.ctx),
                                       hold.record.seal_number or "—", hold.record.reason_category or "—"),
                          key=str(hold.record.id))
        table.display = bool(self.holds)
        self.query_one("#holds-empty").display = not self.holds
        self.show_hold(next(iter(self.holds)) if self.holds else None)

    @on(DataTable.RowHighlighted, "#holds")
    def highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self.show_hold(int(event.row_key.value))

    def show_hold(self, custody_id: int | None) -> None:
        """Facts about the chosen hold (its count of notes read on the worker); notes stay hidden until asked
        for (each reading is audited)."""
        self.current = custody_id
        self.query_one("#hold-detail").display = custody_id is not None
        self.hide_notes()
        self.refresh_bindings()
        if custody_id is None:
            return
        self.query_one("#hold-facts", Static).update(plain(self.facts(custody_id, None)))
        steps = self.query_one("#hold-steps", HoldInstructions)
        steps.display = False

        def counted(notes: int) -> None:
            self.counts[custody_id] = notes
            if self.current == custody_id:
                self.query_one("#hold-facts", Static).update(plain(self.facts(custody_id, notes)))

        def kind_read(kind: ConcernKind | None) -> None:
            # The steps this kind requires, for the DSL: shown here, never on any other screen.
            self.kinds[custody_id] = kind
            if self.current == custody_id:
                steps.show_kind(kind)
                steps.display = kind is not None
                self.query_one("#hold-facts", Static).update(plain(self.facts(custody_id,
                                                                              self.counts.get(custody_id))))

        on_the_worker(self, partial(dsl_note_count, custody_id=custody_id), then=counted,
                      failed=lambda error: self.say(error.message, ok=False))
        on_the_worker(self, partial(concern_of, self.ctx, custody_id), then=kind_read,
                      failed=lambda error: self.say(error.message, ok=False))

    def facts(self, custody_id: int, notes: int | None) -> Text:
        """What the kiosk knows of one hold; `notes`: how many DSL notes it has (None while being read)."""
        hold = self.holds[custody_id]
        custody = hold.record
        counted = (f"DSL notes: {READING}" if notes is None else f"{notes} DSL note{'s' if notes != 1 else ''}")
        kind = (f"Kind of concern: {concern_words(self.kinds[custody_id])}\n" if custody_id in self.kinds
                else f"Kind of concern: {READING}\n")
        return Text.assemble(
            (f"{hold.pupil.name} · {hold.pupil.form}", "bold"),
            f" · MIS {hold.pupil.mis_id}\n",
            (kind, "bold"),
            f"Confiscated {when_text(custody.held_since, self.ctx)} by {custody.confiscated_by_name or '—'}"
            f" ({custody.reason_category or '—'}, {custody.location or 'place not recorded'})\n",
            f"Bag {custody.seal_number or '—'} · condition: {custody.condition or 'not recorded'}\n",
            (counted, "bold"),
            " · reading them is recorded in the audit log",
        )

    def hide_notes(self) -> None:
        notes = self.query_one("#hold-notes", Static)
        notes.update("")
        notes.display = False

    def say(self, message: str, *, ok: bool = True) -> None:
        self.query_one("#hold-result", MessageLine).say(message, "ok" if ok else "refused")

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if (event.button.id or "").startswith("open-"):
            self.action_open(event.button.id.removeprefix("open-"))  # type: ignore[union-attr]
            return
        actions = {"read-notes": self.action_read_notes, "add-note": self.action_add_note,
                   "clear": self.action_clear_hold, "police": self.action_police}
        actions[event.button.id or ""]()

    # ── actions on the chosen hold ──────────────────────────────────────────────────────────────────────
    def action_back(self) -> None:
        self.dismiss()

    def action_open(self, which: str) -> None:
        """The DSL's other lists (kiosk/screens/registry.py): phones with the police, closed cases, searches told,
        examining a phone's data. Asked of the app by name; the holds are read again on coming back (a phone
        returned by the police may be on a hold again by then)."""
        if not self.allowed:
            return
        self.away = True
        self.post_message(OpenScreen(which))

    def on_screen_resume(self) -> None:
        if self.away:
            self.away = False
            # What was said here was of a moment before: the case may have moved on there (an outcome recorded),
            # and "with the police" would then be untrue. The list, read again, says what is true now.
            self.query_one("#hold-result", MessageLine).clear()
            self.refresh_holds()

    def action_read_notes(self) -> None:
        """The notes are read on the desk's worker (the reading is an audit event, so a write); reading… shows in
        their place until they come."""
        if self.current is None:
            return
        custody_id = self.current
        self.notes_asked += 1
        asked = self.notes_asked
        shown = self.query_one("#hold-notes", Static)
        shown.update(plain(Text(f"DSL notes: {READING}", style="bold")))
        shown.display = True
        on_the_worker(self, partial(read_dsl_notes, self.ctx, custody_id),
                      then=lambda notes: self.show_notes(custody_id, asked, notes),
                      failed=lambda error: self.notes_not_read(custody_id, asked, error))

    def notes_not_read(self, custody_id: int, asked: int, error: DeskError) -> None:
        if custody_id == self.current and asked == self.notes_asked:
            self.hide_notes()
        self.say(error.message, ok=False)

    def show_notes(self, custody_id: int, asked: int, notes: list[NoteView]) -> None:
        if custody_id != self.current or asked != self.notes_asked:
            return  # another hold was chosen since, or the notes were asked for again
        text = Text()
        text.append("DSL notes (this reading is recorded)", style="bold")
        for note in notes:
            text.append(f"\n{when_text(note.at, self.ctx)} · {note.author}: ", style="bold")
            text.append(note.text)
        if not notes:
            text.append("\nNo notes yet.")
        shown = self.query_one("#hold-notes", Static)
        shown.update(plain(text))
        shown.display = True

    def action_add_note(self) -> None:
        if self.current is None:
            return
        custody_id = self.current
        notes_open = self.query_one("#hold-notes").display

        def done(saved: bool | None) -> None:
            if saved:
                self.say("Note added.")
                self.show_hold(custody_id)
                if notes_open:
                    self.action_read_notes()

        self.app.push_screen(TextPrompt(title=f"Add a DSL note · {self.holds[custody_id].pupil.name}",
                                        hint="Visible to the DSL and the head only.", action="Add note",
                                        apply=lambda text: add_dsl_note(self.ctx, custody_id, text)), done)

    def action_clear_hold(self) -> None:
        if self.current is None:
            return
        custody_id = self.current
        name = self.holds[custody_id].pupil.name

        def done(cleared: bool | None) -> None:
            if cleared:
                self.refresh_holds()
                self.say(f"Hold cleared: {name}'s phone is held for a parent or carer again (release with F6).")

        self.app.push_screen(TextPrompt(
            title=f"Clear the safeguarding hold · {name}",
            hint="The phone goes back to 'held for a parent or carer'. The reason is kept as a DSL note.",
            action="Clear the hold", variant="warning", placeholder="why the hold is no longer needed",
            apply=lambda reason: clear_hold(self.ctx, custody_id, reason=reason)), done)

    def action_police(self) -> None:
        if self.current is None:
            return
        hold = self.holds[self.current]
        custody_id = hold.record.id
        name = hold.pupil.name

        def done(handed: bool | None) -> None:
            if not handed:
                return
            self.refresh_holds()
            # Here, not at the top: the PDF library takes a noticeable time to load.
            from kiosk.documents.custody_papers import police_receipt

            # The receipt reads the record: on the worker, behind the list's reading (NOT READ on failure).
            self.say(f"{name}'s phone is with the police. Making the receipt: {READING}")
            on_the_worker(self, partial(police_receipt, custody_id, self.ctx.settings),
                          then=lambda pdf: save_receipt(pdf),
                          failed=lambda error: self.say(f"Handed to the police, but the receipt could not be "
                                                        f"saved: {error.message}", ok=False))

        def save_receipt(pdf: bytes) -> None:
            from kiosk.documents.saved import save_paper

            try:
                path = save_paper(pdf, kind="police-receipt", custody_id=custody_id, at=self.ctx.clock.now(),
                                  tz=self.ctx.settings.tz)
            except OSError as error:
                self.say(f"Handed to the police, but the receipt could not be saved: {error}", ok=False)
                return
            self.say(f"{name}'s phone is with the police. Receipt saved: {path}")

        self.app.push_screen(PoliceHandoverDialog(self.ctx, custody_id=custody_id, pupil_name=name,
                                                  school_seal=hold.record.seal_number or "",
                                                  phone=hold.record.phone.described() if hold.record.phone else ""),
                             done)
