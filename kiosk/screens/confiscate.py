"""Confiscating a phone (policy §6.1): find the pupil, see where they stand this term, record the particulars,
then the papers and the follow-ups (notice for parents, parent informed, safeguarding concern, search)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Checkbox, Footer, Input, Label, Select, Static

from kiosk.auth.roles import Permission, Role
from kiosk.clock import local_today
from kiosk.custody import DeskContext, DeskError, PupilSummary
from kiosk.custody.confiscation import (
    CONDITION_ITEMS,
    EXAM_REASON,
    ConfiscationReceipt,
    ExamDetails,
    LadderPosition,
    confiscate,
    ladder_position,
)
from kiosk.custody.exceptions import ActiveException, describe
from kiosk.custody.links import PIN_CONFIRMED, Signer
from kiosk.custody.phone import SIM_ANSWERS, SIM_NOT_CHECKED, PhoneParticulars, imei_problem
from kiosk.custody.queries import PhoneRecord, confiscations_since, exceptions_in_force, open_record_of_tag
from kiosk.custody.queries.tag_phone import phone_on_tag
from kiosk.custody.states import confiscation_words, on_daily_cycle
from kiosk.custody.terms import add_school_days
from kiosk.custody.year_groups import refusal as year_group_refusal
from kiosk.formatting import long_day
from kiosk.labels import PrintFailed, print_bag_label_job
from kiosk.labels.from_settings import chosen_printer, printer_for
from kiosk.messages import OpenScreen
from kiosk.screens.base import FindingScreen
from kiosk.screens.desk_card import desk_card_command
from kiosk.screens.dialogs import ParentInformedDialog
from kiosk.screens.finding import Found
from kiosk.screens.safeguarding import FlagSafeguarding
from kiosk.screens.wording import ordinal, pupil_line, when_text
from kiosk.text import plain_text
from kiosk.widgets.big_text import BigText
from kiosk.widgets.hold_instructions import HoldInstructions
from kiosk.widgets.message_line import MessageLine
from kiosk.widgets.plain import plain
from kiosk.widgets.scan_box import ScanBox
from kiosk.widgets.tick_box import TickBox
from kiosk.widgets.worker_jobs import READING, SAVING, BusyButton, on_the_worker, unattended_save

HINT = ("Find the pupil first. Then record who took the phone, why, where, its condition and the number of "
        "the bag it is sealed in. A phone handed in this morning becomes the confiscation: no second record.")
TELL_THE_DSL = "Tell the Designated Safeguarding Lead (DSL) now."
# What the examining body's report (JCQ Form M1) asks, in its order; the centre number is the school's own.
EXAM_FIELDS = (("exam-board", "Exam board", "AQA, Pearson Edexcel, OCR, WJEC…"),
               ("exam-centre", "Centre number", "the school's exam centre number"),
               ("exam-candidate", "Candidate number", "from the seating plan"),
               ("exam-paper", "Paper code", "e.g. 8300/1H"),
               ("exam-title", "Paper title", "e.g. Mathematics Paper 1 (Higher)"),
               ("exam-room", "Room", "e.g. Sports hall"),
               ("exam-invigilator", "Invigilator", "who found it"),
               ("exam-time", "Time found", "e.g. 10:15"))
# The M1's questions, short enough for the form's label column (21 cells): switched on, on the candidate's person,
# the JCQ Warning to Candidates displayed, the Information for Candidates issued, rules read out at the start.
EXAM_QUESTIONS = (("exam-switched-on", "Switched on?"),
                  ("exam-on-person", "On their person?"),
                  ("exam-warning", "Warning displayed?"),
                  ("exam-information", "Info for candidates?"),
                  ("exam-reminded", "Rules read at start?"))
ANSWERS = [("yes", "yes"), ("no", "no")]
PHONE_INPUTS = ("make", "model", "colour", "case", "imei", "damage")


@dataclass(frozen=True)
class Standing:
    """Where the pupil stands before this confiscation, read on the desk's worker: the ladder this term, the
    earlier confiscations it counts, and the phone's record while it is in the office (None when it is not)."""

    ladder: LadderPosition
    earlier: tuple[PhoneRecord, ...]
    open_record: PhoneRecord | None
    exceptions: tuple[ActiveException, ...] = ()  # in force today: shown before anything else is typed
    phone_on_tag: PhoneParticulars | None = None  # the phone the tag is for, as the office recorded it


def read_standing(ctx: DeskContext, pupil_id: int, tag_id: int) -> Standing:
    """On the worker: what the form shows above itself once the pupil is found."""
    ladder = ladder_position(ctx, pupil_id)
    earlier = confiscations_since(pupil_id=pupil_id, since=ladder.previous[0]) if ladder.previous else ()
    today = local_today(ctx.clock, ctx.settings.tz)
    return Standing(ladder, earlier, open_record_of_tag(tag_id=tag_id),
                    exceptions_in_force(pupil_id=pupil_id, day=today), phone_on_tag(tag_id=tag_id))


def exception_words(exceptions: tuple[ActiveException, ...]) -> Text:
    """The pupil's exceptions, one a line, as plain text ("⚠ EXCEPTION: medical — insulin pump controlled from
    phone, until 18 Dec"): a phone a pupil's health depends on must not be taken without this being seen."""
    return Text("\n".join(f"⚠ EXCEPTION: {describe(e).removeprefix('exception: ')}" for e in exceptions))


def collection_words(held_until: date, today: date) -> str:
    if held_until <= today:
        return "collect after school today"
    return f"held until {long_day(held_until)}"


class ConfiscateScreen(FindingScreen):
    """Three steps on one screen: find the pupil; the form (with the ladder above it); the confirmation
    with its follow-ups. Esc goes back to the desk at any step; N starts the next confiscation."""

    HEADING = "CONFISCATE A PHONE"
    HEADING_CLASS = "-confiscate"
    PURPOSE = "confiscate a phone from"
    # Once saved, an 80-column footer has room for Desk, Safeguard, Search, Next, ^L Lock and F1 Help, not for
    # every follow-up: the notice, parent informed and bag label keys are shown on their buttons only.
    BINDINGS = [
        Binding("ctrl+s", "save", "Save"),
        Binding("p", "notice", "Notice", show=False),
        Binding("i", "informed", "Parent informed", show=False),
        Binding("b", "bag_label", "Bag label", show=False),
        Binding("g", "safeguarding", "Safeguard"),
        Binding("f8", "search", "Search"),
        Binding("n", "next", "Next"),
    ]

    def __init__(self, ctx: DeskContext) -> None:
        super().__init__(ctx)
        self.found: Found | None = None
        self.receipt: ConfiscationReceipt | None = None
        self.on_hold = False
        self.notice_path: Path | None = None
        self.done_log: list[str] = []
        self.saving: BusyButton | None = None  # while the confiscation's write is out: Save is disabled
        self.confiscated_by = ""  # as saved: the first link's words need not repeat it

    def compose(self) -> ComposeResult:
        who = self.ctx.who
        reasons = list(self.ctx.settings.confiscation_reasons)
        yield from self.compose_top()
        with VerticalScroll(id="body"):
            yield Static(HINT, id="hint", markup=False)
            yield MessageLine(id="problem")
            with Vertical(id="about"):
                yield Static(id="pupil-line")
                yield Static(id="exceptions", classes="exceptions")
                yield Static(id="ladder")
                yield Static(id="already")
            with Grid(id="form", classes="form"):
                # The first link of the chain (teacher → office): the teacher's initials and PIN when they are here;
                # else who brought it, beside the bag (both empty: the office records the name typed here).
                yield Label("Confiscated by")
                with Horizontal(id="by-row", classes="phone-row"):
                    yield Input(who.name, placeholder="the member of staff who took it", id="by", compact=True)
                    yield Input(placeholder="initials", id="brought-initials", compact=True)
                    yield Input(placeholder="their PIN, if here", password=True, id="brought-pin", compact=True)
                yield Label("Reason · where")
                with Horizontal(id="reason-row", classes="phone-row"):
                    yield Select([(r, r) for r in reasons], allow_blank=False, value=reasons[0], id="reason",
                                 compact=True)
                    yield Input(placeholder="room, e.g. S12", id="where", compact=True)
                yield Label("Condition")
                with Grid(id="condition"):
                    for index, item in enumerate(CONDITION_ITEMS):
                        yield TickBox(item, id=f"condition-{index}", compact=True)
                # The phone itself (issue 16): the school is liable for it until it is released.
                yield Label("The phone")
                with Horizontal(id="phone-what", classes="phone-row"):
                    yield Input(placeholder="make", id="phone-make", compact=True)
                    yield Input(placeholder="model", id="phone-model", compact=True)
                    yield Input(placeholder="colour", id="phone-colour", compact=True)
                    yield Select([(f"SIM {answer}", answer) for answer in SIM_ANSWERS], allow_blank=False,
                                 value=SIM_NOT_CHECKED, id="phone-sim", compact=True)
                yield Label("Case·IMEI·damage")
                with Horizontal(id="phone-more", classes="phone-row"):
                    yield Input(placeholder="case, or none", id="phone-case", compact=True)
                    yield Input(placeholder="IMEI, optional", id="phone-imei", compact=True)
                    yield Input(placeholder="visible damage", id="phone-damage", compact=True)
                yield Label("Bag · brought by")
                with Horizontal(id="seal-row", classes="phone-row"):
                    yield ScanBox(placeholder="scan or type the number on the bag", id="seal", compact=True)
                    yield Input(placeholder="or who brought it", id="brought-name", compact=True)
                yield Label("Notes")
                yield Input(placeholder="anything else (not safeguarding details)", id="notes", compact=True)
            with Grid(id="exam", classes="form"):
                yield Label("Exam", classes="exam-title")
                yield Label("reported to the examining body (policy §6)", classes="exam-title")
                for field_id, label, placeholder in EXAM_FIELDS:
                    yield Label(label)
                    value = self.ctx.settings.exam_centre_number if field_id == "exam-centre" else ""
                    yield Input(value, placeholder=placeholder, id=field_id, compact=True)
                for field_id, label in EXAM_QUESTIONS:
                    # Blank is "not recorded": the examining body's form must not say "no" for what nobody asked.
                    yield Label(label)
                    yield Select(ANSWERS, prompt="not recorded", id=field_id, compact=True)
            yield MessageLine(id="error")
            with Horizontal(id="form-buttons", classes="buttons"):
                yield Button("Save (Ctrl+S)", variant="error", id="save")
                yield Button("Search record (F8)", id="search")
                yield Button("Cancel (Esc)", id="cancel")
            with Vertical(id="done"):
                yield BigText(id="done-headline")
                yield Static(id="done-exceptions", classes="exceptions")
                yield Static(id="done-summary")
                yield HoldInstructions(id="done-hold")
                with Grid(id="done-buttons", classes="button-grid"):
                    yield Button("Notice for parents (P)", id="notice")
                    yield Button("Parent informed (I)", id="informed")
                    yield Button("Print bag label (B)", id="bag-label")
                    yield Button("Safeguarding (G)", variant="error", id="safeguarding")
                    yield Button("Search record (F8)", id="done-search")
                    yield Button("Next confiscation (N)", id="next")
                    yield Button("Back to desk (Esc)", id="desk")
                yield Static(id="done-log")
        yield Footer()

    def on_mount(self) -> None:
        self.show_step(bindings=False)  # the footer is built once the screen is shown

    # ── which step ──────────────────────────────────────────────────────────────────────────────────────
    def show_step(self, *, bindings: bool = True) -> None:
        identifying = self.found is None
        done = self.receipt is not None
        self.query_one("#hint").display = identifying
        self.query_one("#scan").display = not done
        self.query_one("#about").display = not identifying and not done
        for part in ("#form", "#error", "#form-buttons"):
            self.query_one(part).display = not identifying and not done
        self.query_one("#exam").display = not identifying and not done and self.reason == EXAM_REASON
        self.query_one("#done").display = done
        self.query_one("#done-hold").display = done and self.on_hold
        if bindings:
            self.refresh_bindings()

    @property
    def reason(self) -> str:
        return str(self.query_one("#reason", Select).value)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "save":
            return self.found is not None and self.receipt is None and self.saving is None
        if action == "notice":
            return self.receipt is not None and not self.on_hold
        if action in ("informed", "next"):
            return self.receipt is not None
        if action == "bag_label":
            return self.receipt is not None
        if action == "safeguarding":
            return self.receipt is not None and not self.on_hold and self.ctx.who.can(Permission.FLAG_SAFEGUARDING)
        if action == "search":
            return self.ctx.who.can(Permission.RECORD_SEARCH)
        return True

    # ── step 1: the pupil (found the way the desk finds one: FindingScreen) ─────────────────────────────────
    @property
    def started(self) -> bool:
        return self.found is not None

    @property
    def pupil_on_form(self) -> PupilSummary | None:
        # Being saved (or saved): nothing to lose by leaving; the answer is told on the desk.
        return self.found.pupil if self.found is not None and self.receipt is None and self.saving is None else None

    def identified(self, found: Found) -> None:
        if self.saving is not None:  # the form on screen is the one being saved: it stays until the answer
            self.show_problem("Wait: this confiscation is still being saved. Scan the next pupil once it says "
                              "CONFISCATED (or NOT SAVED).", "warning")
            return
        other_year = year_group_refusal(self.ctx.who, pupil_name=found.pupil.name, year=found.pupil.year)
        if other_year is not None:  # the domain refuses it too (DeskContext.require); said before the form is filled
            self.show_problem(f"✖ {other_year}")
            return
        if found.resolved is None:
            self.show_problem(f"{found.pupil.name} ({found.pupil.form}) has no active tag: print a tag for them "
                              "first, then confiscate (the bag label carries it).")
            return
        self.found = found
        self.pupil_chosen()
        self.query_one("#pupil-line", Static).update(plain(pupil_line(found.pupil) + f" · tag {found.tag_code}"))
        # This term's confiscations and the phone's record are read on the worker; the form can be filled meanwhile.
        self.query_one("#ladder", Static).update(plain(Text(f"This term's confiscations: {READING}")))
        self.query_one("#already", Static).display = False
        self.query_one("#exceptions", Static).display = False
        self.show_step()
        self.query_one("#by", Input).focus()
        self.remember_blank_form()
        assert found.tag_id is not None
        on_the_worker(self, partial(read_standing, self.ctx, found.pupil.id, found.tag_id),
                      then=lambda standing: self.show_standing(found, standing),
                      failed=lambda error: self.standing_not_read(found, error))

    def show_standing(self, found: Found, standing: Standing) -> None:
        if found is not self.found:
            return  # another pupil was scanned since
        self.show_ladder(standing.ladder, standing.earlier)
        self.show_already(standing.open_record)
        shown = self.query_one("#exceptions", Static)
        shown.update(plain(exception_words(standing.exceptions)))
        shown.display = bool(standing.exceptions)
        self.start_from_tag(standing.phone_on_tag)

    def start_from_tag(self, phone: PhoneParticulars | None) -> None:
        """The phone the tag is for (recorded from the pupil page) as the form's starting values, to check against
        the phone in the hand and correct. Only into boxes still empty: what was typed meanwhile stands."""
        if phone is None or not phone.recorded:
            return
        for name in PHONE_INPUTS:
            box = self.query_one(f"#phone-{name}", Input)
            if not box.value:
                self.put_starting_value(box, getattr(phone, name))
        sim = self.query_one("#phone-sim", Select)
        if sim.value == SIM_NOT_CHECKED:
            self.put_starting_value(sim, phone.sim)

    def standing_not_read(self, found: Found, error: DeskError) -> None:
        if found is not self.found:
            return
        self.query_one("#ladder", Static).update(plain(Text(f"This term's confiscations: ✖ {error.message}",
                                                      style="bold")))

    def show_ladder(self, ladder: LadderPosition, earlier: tuple[PhoneRecord, ...]) -> None:
        today = local_today(self.ctx.clock, self.ctx.settings.tz)
        held_until = add_school_days(today, ladder.hold_school_days, self.ctx.settings)
        text = Text.assemble(("This will be the ", ""), (f"{ordinal(ladder.count_this_term)} confiscation", "bold"),
                             " this term.")
        if ladder.previous:
            text.append("\nBefore: ")
            # How each stands now, in words that say no more than the office needs.
            text.append(" · ".join(f"{when_text(c.held_since, self.ctx)} {c.reason_category or ''} "
                                   f"({confiscation_words(c.state)})" for c in earlier))
        else:
            text.append(" None before this term.")
        text.append("\nLadder: ", style="bold")
        text.append(f"{ladder.rule}.")
        words = collection_words(held_until, today)
        text.append(f" {words[:1].upper()}{words[1:]}.", style="bold")  # str.capitalize() lower-cases the day
        self.query_one("#ladder", Static).update(plain(text))

    def show_already(self, open_: PhoneRecord | None) -> None:
        """A phone in the office now is converted, not recorded twice; one already confiscated is refused."""
        already = self.query_one("#already", Static)
        already.set_classes("")
        if open_ is None:
            already.update("")
        elif on_daily_cycle(open_.state):
            already.add_class("-warning")
            already.update(plain(f"⚠ This phone is in the office now (slot {open_.slot}, since "
                           f"{when_text(open_.opened_at, self.ctx)}): saving turns that record into the "
                           "confiscation. No second record."))
        elif open_.on_hold:
            already.add_class("-refused")
            already.update(plain(f"✖ This phone is already confiscated and on a safeguarding hold (bag "
                           f"{open_.seal_number or '—'}). Nothing more to record here: refer to the DSL."))
        else:
            already.add_class("-refused")
            already.update(plain(f"✖ This phone is already confiscated (bag {open_.seal_number or '—'}). "
                           "Release it (F6) before recording another confiscation."))
        already.display = open_ is not None

    # ── step 2: the form ────────────────────────────────────────────────────────────────────────────────
    @on(Select.Changed, "#reason")
    def reason_changed(self) -> None:
        # The exam details come and go with the reason (the footer's keys do not change).
        self.query_one("#exam").display = self.found is not None and self.receipt is None \
            and self.reason == EXAM_REASON

    @on(ScanBox.Scanned, "#seal")
    def seal_scanned(self, event: ScanBox.Scanned) -> None:
        # A form field, not a scan-to-act box: keep what was scanned or typed, and move on. The desk card is no
        # bag number: the box stays empty (the code was all there was in it) and the code is acted on.
        event.stop()
        command = desk_card_command(event.value)
        if command is not None:
            self.desk_card(command, event.value.strip())
            return
        event.scan_box.value = event.value.strip()
        self.focus_next()

    # The boxes a scanner reads into: anything else scanned into another field belongs in one of them.
    SCANNED_INTO = ("seal", "phone-imei")

    def box_for_a_scan(self, text: str) -> Input | None:
        """Where a barcode of another kind belongs on this form: an IMEI's 15 digits in the IMEI box, anything
        else in the bag's (a seal number is whatever the bag's maker printed)."""
        if self.found is None or self.receipt is not None:
            return None
        if imei_problem(text) is None:
            return self.query_one("#phone-imei", Input)
        return self.query_one("#seal", ScanBox)

    def exam_details(self) -> ExamDetails | None:
        if self.reason != EXAM_REASON:
            return None
        value = {field_id: plain_text(self.query_one(f"#{field_id}", Input).value.strip())
                 for field_id, _, _ in EXAM_FIELDS}

        def answer(field_id: str) -> bool | None:
            chosen = self.query_one(f"#{field_id}", Select).value
            return None if chosen not in ("yes", "no") else chosen == "yes"

        return ExamDetails(board=value["exam-board"], paper=value["exam-paper"], room=value["exam-room"],
                           invigilator=value["exam-invigilator"], candidate_number=value["exam-candidate"],
                           centre_number=value["exam-centre"], paper_title=value["exam-title"],
                           time_found=value["exam-time"], switched_on=answer("exam-switched-on"),
                           on_person=answer("exam-on-person"), warning_displayed=answer("exam-warning"),
                           information_issued=answer("exam-information"), reminded_at_start=answer("exam-reminded"))

    def phone_particulars(self) -> PhoneParticulars | None:
        """The phone as typed (checked by the domain: an IMEI's check digit, SIM against the ticks)."""
        typed = {name: self.query_one(f"#phone-{name}", Input).value for name in PHONE_INPUTS}
        particulars = PhoneParticulars(**typed, sim=str(self.query_one("#phone-sim", Select).value))
        return particulars if particulars.recorded else None

    def brought_by(self) -> Signer | None:
        pin_box = self.query_one("#brought-pin", Input)
        signer = Signer(name=self.query_one("#brought-name", Input).value,
                        initials=self.query_one("#brought-initials", Input).value, pin=pin_box.value)
        pin_box.value = ""  # a PIN is typed for one save, never kept on the form
        return signer if signer.pin or signer.name.strip() else None

    def action_save(self) -> None:
        """The confiscation is written on the desk's worker with the form as it is now; Save stays disabled until
        the answer, and CONFISCATED shows only once the commit has returned."""
        if self.found is None or self.found.resolved is None or self.receipt is not None or self.saving is not None:
            return
        condition = [item for index, item in enumerate(CONDITION_ITEMS)
                     if self.query_one(f"#condition-{index}", Checkbox).value]
        # What staff type or scan is kept as plain text (kiosk/text.py): a bag's barcode may carry control codes.
        seal = plain_text(self.query_one("#seal", ScanBox).value)
        by = plain_text(self.query_one("#by", Input).value)
        self.confiscated_by = by.strip()
        notes = plain_text(self.query_one("#notes", Input).value.strip(), lines=True)
        run = partial(confiscate, self.ctx, self.found.resolved, confiscated_by_name=by,
                      reason_category=self.reason, location=plain_text(self.query_one("#where", Input).value),
                      condition=condition, seal_number=seal, notes=notes, exam=self.exam_details(),
                      phone=self.phone_particulars(), brought_by=self.brought_by())
        self.saving = BusyButton(self.query_one("#save", Button))
        self.query_one("#error", MessageLine).waiting(SAVING)
        self.refresh_bindings()
        on_the_worker(self, run, then=self.saved, failed=self.not_saved,
                      unattended=unattended_save(f"The confiscation (bag {seal.strip() or '—'})"))

    def _answered(self) -> None:
        if self.saving is not None:
            self.saving.done()
            self.saving = None
        self.refresh_bindings()

    def saved(self, receipt: ConfiscationReceipt) -> None:
        self._answered()
        self.receipt = receipt
        self.query_one("#error", MessageLine).clear()
        self.clear_problem()  # a warning about the form (a desk-card scan, say) is stale once it is saved
        self.show_done()

    def not_saved(self, error: DeskError) -> None:
        self._answered()
        shown = self.query_one("#error", MessageLine)
        shown.say(error.message)
        self.call_after_refresh(shown.scroll_visible)

    # ── step 3: confirmation and follow-ups ─────────────────────────────────────────────────────────────
    def show_done(self) -> None:
        receipt = self.receipt
        assert receipt is not None
        today = local_today(self.ctx.clock, self.ctx.settings.tz)
        self.query_one("#done-headline", BigText).text = "⚠ HELD FOR DSL" if self.on_hold else "✔ CONFISCATED"
        self.query_one("#done").set_class(self.on_hold, "-hold")
        summary = Text.assemble((f"{receipt.pupil.name} · {receipt.pupil.form}", "bold"),
                                f" · slot {receipt.slot or '—'} · bag {receipt.seal_number}",
                                f" · {receipt.reason_category}\n")
        counted = f"\n{ordinal(receipt.ladder.count_this_term).capitalize()} confiscation this term"
        if self.on_hold:
            # The role in full, as the policy names it: not everyone at the office knows the acronym. The ladder's
            # "collected after school" does not apply while it is held: its count does.
            summary.append(f"On a safeguarding hold: it cannot be released. {self.tell_the_dsl()}", style="bold")
            summary.append(f"{counted}.")
        else:
            summary.append("Held until: ", style="bold")
            summary.append(long_day(receipt.held_until))
            summary.append(" (collect after school today)." if receipt.held_until <= today else ".")
            summary.append(f"{counted}: {receipt.ladder.rule}.")
        if receipt.phone is not None:
            summary.append(f"\nPhone: {receipt.phone.described()}"
                           + (f"; damage: {receipt.phone.damage}" if receipt.phone.damage else ""))
        brought = receipt.brought_by
        if brought is not None and (brought.how == PIN_CONFIRMED or brought.name != self.confiscated_by):
            # Said when it adds something: the teacher's PIN, or someone else who brought it (80×24 has little room).
            summary.append(f"\nHanded to the office by {brought.words()}.")
        if receipt.converted_from_daily:
            summary.append("\n⚠ It was in the office on the daily cycle: that record is now the confiscation "
                           "(no second record).", style="bold")
            if receipt.moved_from_slot:
                summary.append(f"\nMove it from slot {receipt.moved_from_slot} to the safe, {receipt.slot}.",
                               style="bold")
        if receipt.reason_category == EXAM_REASON:
            summary.append("\nFound in an exam: listed for reporting to the examining body.", style="bold")
        self.query_one("#done-summary", Static).update(plain(summary))
        exceptions = self.query_one("#done-exceptions", Static)
        exceptions.update(plain(exception_words(receipt.exceptions)))
        exceptions.display = bool(receipt.exceptions)
        self.show_step()
        self.query_one("#notice" if not self.on_hold else "#informed", Button).focus()
        self.query_one("#notice", Button).disabled = self.on_hold
        self.query_one("#safeguarding", Button).disabled = (
            self.on_hold or not self.ctx.who.can(Permission.FLAG_SAFEGUARDING))

    def tell_the_dsl(self) -> str:
        """What to do next about a hold: nothing to tell when the DSL is the one at the desk."""
        if self.ctx.who.role == Role.DSL:
            return "It is in your holds list (F10)."
        return f"{TELL_THE_DSL} (they also see it when they sign in)."

    def add_to_log(self, line: str) -> None:
        """What was done after saving (papers, parent informed, hold), newest last, under the buttons."""
        self.done_log.append(line)
        self.query_one("#done-log", Static).update(plain(Text("\n".join(self.done_log))))

    def action_notice(self) -> None:
        if self.receipt is None or self.on_hold:
            return
        # Here, not at the top: the PDF library takes a noticeable time to load and most visits print nothing.
        from kiosk.documents.custody_papers import parent_notice
        from kiosk.documents.saved import save_paper

        try:
            path = save_paper(parent_notice(self.receipt, self.ctx.settings), kind="parent-notice",
                              custody_id=self.receipt.custody_id, at=self.ctx.clock.now(), tz=self.ctx.settings.tz)
        except OSError as error:
            self.add_to_log(f"✖ The notice could not be saved: {error}")
            return
        self.notice_path = path
        self.add_to_log(f"✔ Notice for parents saved: {path}")

    def action_informed(self) -> None:
        if self.receipt is None:
            return

        def done(summary: str | None) -> None:
            if summary:
                self.add_to_log(f"✔ Parent informed: {summary} ({when_text(self.ctx.clock.now(), self.ctx)})")

        self.app.push_screen(ParentInformedDialog(self.ctx, custody_id=self.receipt.custody_id,
                                                  pupil_id=self.receipt.pupil.id,
                                                  pupil_name=self.receipt.pupil.name), done)

    def action_safeguarding(self) -> None:
        if self.receipt is None or self.on_hold:
            return

        def done(held: bool | None) -> None:
            if held:
                self.on_hold = True
                self.show_done()
                self.add_to_log(f"⚠ On a safeguarding hold. {self.tell_the_dsl()}")

        self.app.push_screen(FlagSafeguarding(self.ctx, custody_id=self.receipt.custody_id,
                                              pupil_name=self.receipt.pupil.name), done)

    # ── the bag label: printed in a worker; a printer failure never touches the saved confiscation ──────
    class BagLabelDone(Message):
        """The bag label printed, or did not (sent from the worker thread)."""

        def __init__(self, text: str, ok: bool) -> None:
            super().__init__()
            self.text = text
            self.ok = ok

    def action_bag_label(self) -> None:
        if self.receipt is None:
            return
        self.add_to_log("… Printing the bag label (you may carry on).")
        self.print_bag_label(self.receipt.custody_id)

    @work(thread=True, exclusive=True, group="bag-label")
    def print_bag_label(self, custody_id: int) -> None:
        settings = self.ctx.settings
        try:
            kind, target = chosen_printer(settings, self.app.label_printer)
            if kind == "file":  # beside the tag labels, never over them
                target = str(Path(target).with_name(f"bag-label-{custody_id}{Path(target).suffix or '.pdf'}"))
            printer = printer_for(settings, kind, target)
            receipt = print_bag_label_job(self.ctx, custody_id, layout=settings.bag_label_layout, printer=printer)
            done = self.BagLabelDone(f"✔ Bag label printed on {receipt.printer}: {receipt.detail}.", True)
        except PrintFailed as error:
            done = self.BagLabelDone(f"✖ {error.message} (Press B to print it again; the confiscation is saved.)",
                                     False)
        except Exception as error:  # the worker always reports back; the confiscation is already saved
            done = self.BagLabelDone(f"✖ The bag label did not print: {error}. Press B to try again; the "
                                     "confiscation is saved.", False)
        self.post_message(done)

    @on(BagLabelDone)
    def bag_label_done(self, event: BagLabelDone) -> None:
        event.stop()
        self.add_to_log(event.text)

    def action_search(self) -> None:
        if not self.ctx.who.can(Permission.RECORD_SEARCH):
            return
        pupil = self.found.pupil if self.found else None
        custody_id = self.receipt.custody_id if self.receipt else None
        self.post_message(OpenScreen("search_record", pupil=pupil, custody_id=custody_id))

    def action_next(self) -> None:
        self.post_message(OpenScreen("confiscate", replacing=True))

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        event.stop()
        actions = {"save": self.action_save, "search": self.action_search, "cancel": self.action_back,
                   "notice": self.action_notice, "informed": self.action_informed,
                   "safeguarding": self.action_safeguarding, "done-search": self.action_search,
                   "next": self.action_next, "desk": self.action_back, "bag-label": self.action_bag_label}
        actions[event.button.id or ""]()
