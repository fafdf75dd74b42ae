"""Releasing a confiscated phone to a parent or carer (policy §6.1): find it, check who is collecting and
their ID, re-enter your PIN, and save the release receipt."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, DataTable, Footer, Input, Label, Static

from kiosk.auth.roles import Permission
from kiosk.auth.staff import AccountLocked
from kiosk.clock import local_today
from kiosk.custody import BadScan, DeskContext, DeskError, PupilSummary, normalise
from kiosk.custody.links import OFFICE_SAFE
from kiosk.custody.parent_meeting import ParentMeeting, meeting_time, record_parent_meeting
from kiosk.custody.phone import AS_WHEN_CONFISCATED
from kiosk.custody.queries import (
    CarerOption,
    LastConfiscation,
    PhoneRecord,
    SealedPhone,
    carers_to_contact,
    confiscations_held,
    held_phone_sealed_in,
    last_confiscation,
)
from kiosk.custody.queries.messages import outbox_messages
from kiosk.custody.release import Authorisation, ReleaseReceipt, release_to_carer
from kiosk.custody.scans import CommandScan, TagScan
from kiosk.custody.states import confiscation_words
from kiosk.formatting import weekday_date
from kiosk.mail.outbox import OutboxLine
from kiosk.messages import LockRequested, OpenScreen
from kiosk.screens.base import FindingScreen
from kiosk.screens.finding import Found
from kiosk.screens.safeguarding import FlagSafeguarding
from kiosk.screens.wording import pupil_line, sent_about, when_text
from kiosk.text import plain_text
from kiosk.widgets.big_text import BigText
from kiosk.widgets.collector_choice import SOMEONE_ELSE, CollectorChoice
from kiosk.widgets.hold_instructions import HoldInstructions
from kiosk.widgets.message_line import MessageLine
from kiosk.widgets.plain import plain, plain_cells
from kiosk.widgets.scan_box import ScanBox
from kiosk.widgets.tick_box import TickBox
from kiosk.widgets.worker_jobs import READING, SAVING, BusyButton, on_the_worker, unattended_save

HINT = ("Scan the label on the phone's bag (or the pupil's ID card, or type their name). The collector must be "
        "on the pupil's contact list from the MIS, or the head or DSL must authorise them.")
ON_HOLD = "✖ ON A SAFEGUARDING HOLD: it cannot be released. Refer to the DSL."
MEETING_HINT = ("⚠ A 3rd (or later) confiscation this term: the parent meeting is recorded (when, who attended, "
                "the outcome) before the phone is released.")


def phone_words(phone: PhoneRecord) -> str:
    """The phone as it was taken, and where it is if not in the safe: checked at the hatch before it is handed
    over (issue 16)."""
    words = ""
    if phone.phone is not None:
        words += f"\nPhone: {phone.phone.described()}" + (f"; damage: {phone.phone.damage}" if phone.phone.damage
                                                           else "")
    if phone.place and phone.place != OFFICE_SAFE:
        words += f"\n⚠ It is in the {phone.place} now: fetch it (record the handover on the pupil page, F4)."
    return words


@dataclass(frozen=True)
class HeldFor:
    """What the screen shows once the pupil is found, read together on the desk's worker: who may collect, the
    confiscated phones still held, and how the last one ended (said when none is held)."""

    carers: tuple[CarerOption, ...]
    phones: tuple[PhoneRecord, ...]
    last: LastConfiscation | None
    messages: dict[int, tuple[OutboxLine, ...]] = field(default_factory=dict)  # per phone: what was sent, to whom


def read_held(pupil_id: int) -> HeldFor:
    """On the worker."""
    phones = confiscations_held(pupil_id=pupil_id)
    return HeldFor(carers_to_contact(pupil_id=pupil_id), phones, last_confiscation(pupil_id=pupil_id),
                   {phone.id: outbox_messages(custody_id=phone.id) for phone in phones})


class ReleaseScreen(FindingScreen):
    """Find the held phone; choose the collector (a listed carer, or someone else with a head or DSL's
    authorisation); record the ID seen; re-enter your PIN; release. Esc goes back to the desk."""

    HEADING = "RELEASE A PHONE TO A PARENT OR CARER"
    HEADING_CLASS = "-release"
    SCAN_PROMPT = "scan the bag label or the pupil's ID card, or type a name"
    PURPOSE = "release a phone for"
    BINDINGS = [
        Binding("ctrl+s", "release", "Release"),
        Binding("ctrl+g", "safeguarding", "Safeguarding concern"),
        Binding("n", "next", "Next release"),
    ]

    def __init__(self, ctx: DeskContext) -> None:
        super().__init__(ctx)
        self.phones: dict[int, PhoneRecord] = {}
        self.custody_id: int | None = None
        self.receipt: ReleaseReceipt | None = None
        self.receipt_path: Path | None = None
        self.last: LastConfiscation | None = None  # how the pupil's last confiscation ended (read with the phones)
        self.reading = False  # the pupil's phones are being read
        self.refusal: str | None = None  # a refused release, shown once the phones are read again
        self.releasing: BusyButton | None = None  # while the release's write is out: Release is disabled
        self.sealed_custody: int | None = None  # the phone a bag number typed or scanned here named
        self.messages: dict[int, tuple[OutboxLine, ...]] = {}  # per phone: the messages sent about it

    def compose(self) -> ComposeResult:
        who = self.ctx.who
        yield from self.compose_top()
        with VerticalScroll(id="release-body"):
            yield Static(HINT, id="release-hint", markup=False)
            yield MessageLine(id="problem")
            yield Static(id="release-pupil")
            yield DataTable(id="phones", cursor_type="row", zebra_stripes=True)
            yield Static("", id="phone-status", markup=False)
            messages = Static("", id="release-messages", markup=False)
            messages.display = False  # until a phone with messages is chosen
            yield messages
            yield HoldInstructions(id="release-hold")
            with Vertical(id="release-form"):
                with Vertical(id="meeting"):
                    # Rung 3 of the ladder (kiosk/custody/parent_meeting.py): released only once this is recorded.
                    yield Static(MEETING_HINT, id="meeting-why", markup=False)
                    with Grid(classes="form"):
                        yield Label("Meeting day")
                        yield Input("today", placeholder="today, or e.g. 3/12", id="meeting-day", compact=True)
                        yield Label("Meeting time")
                        yield Input(placeholder="e.g. 15:30", id="meeting-time", compact=True)
                        yield Label("Who attended")
                        yield Input(placeholder="the parent or carer, and the staff", id="meeting-attended",
                                    compact=True)
                        yield Label("Outcome")
                        yield Input(placeholder="what was agreed", id="meeting-outcome", compact=True)
                    yield MessageLine(id="meeting-error")
                    with Horizontal(classes="buttons"):
                        yield Button("Record the meeting", variant="warning", id="meeting-save")
                yield Label("Who is collecting?", classes="section-title")
                yield CollectorChoice(id="collector")
                with Vertical(id="must-not-box"):
                    yield Static(id="must-not")
                    yield TickBox("I am the DSL and have read the note: release to them all the same",
                                  id="must-not-ack", compact=True)
                with Vertical(id="no-pr-box"):
                    yield Static(id="no-pr")
                    yield TickBox("I have seen this warning: release to them all the same", id="no-pr-ack",
                                  compact=True)
                with Grid(id="someone", classes="form"):
                    yield Label("Collector's name")
                    yield Input(placeholder="full name", id="collector-name", compact=True)
                    yield Label("Relationship")
                    yield Input(placeholder="e.g. aunt, family friend", id="collector-relationship", compact=True)
                with Vertical(id="authorise"):
                    yield Static(id="authorise-why")
                    with Grid(classes="form"):
                        yield Label("Head or DSL initials")
                        yield Input(placeholder="initials", id="auth-initials", compact=True)
                        yield Label("Their PIN")
                        yield Input(password=True, placeholder="typed by them", id="auth-pin", compact=True)
                        yield Label("Their reason")
                        yield Input(placeholder="e.g. confirmed with mum by phone", id="auth-reason", compact=True)
                with Grid(classes="form"):
                    yield Label("ID seen")
                    yield Input(placeholder="driving licence, passport, known to staff…", id="id-seen",
                                compact=True)
                    # Issue 16: the condition as it is handed back, printed beside the condition when confiscated.
                    yield Label("Condition now")
                    yield Input(placeholder=f"{AS_WHEN_CONFISCATED}: type any difference", id="return-condition",
                                compact=True)
                    # Issue 18: the collector's copy of the receipt by email, if they give an address (only when
                    # the school sends email; hidden cells take no room in the grid).
                    label = Label("Email for receipt", id="receipt-email-label")
                    address = Input(placeholder="optional: the collector's address, for their copy",
                                    id="receipt-email", compact=True)
                    label.display = address.display = self.ctx.settings.mail_via != "off"
                    yield label
                    yield address
                    yield Label("Your PIN")
                    yield Input(password=True, placeholder=f"{who.name}: re-enter your PIN to release",
                                id="pin", compact=True)
                yield MessageLine(id="release-error")
                with Horizontal(classes="buttons"):
                    yield Button("Release (Ctrl+S)", variant="success", id="release")
                    yield Button("Safeguarding concern (Ctrl+G)", variant="error", id="release-flag")
                    yield Button("Cancel (Esc)", id="release-cancel")
            with Vertical(id="release-done"):
                yield BigText("✔ RELEASED", id="release-headline")
                yield Static(id="release-summary")
                sent = Static("", id="release-sent", markup=False)
                sent.styles.padding = (0, 1)  # in line with the summary above it
                yield sent
                with Horizontal(classes="buttons"):
                    yield Button("Next release (N)", id="next")
                    yield Button("Back to desk (Esc)", id="desk")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#phones", DataTable).add_columns("Bag", "Reason", "Confiscated", "Held until", "Slot",
                                                         "Now")
        self.show_step(bindings=False)  # the footer is built once the screen is shown

    # ── what is shown ───────────────────────────────────────────────────────────────────────────────────
    @property
    def chosen_phone(self) -> PhoneRecord | None:
        return self.phones.get(self.custody_id) if self.custody_id is not None else None

    def show_step(self, *, bindings: bool = True) -> None:
        known = self.pupil is not None
        done = self.receipt is not None
        phone = self.chosen_phone
        releasable = phone is not None and phone.releasable and not done
        self.query_one("#release-hint").display = not known
        self.query_one("#scan").display = not done
        self.query_one("#release-pupil").display = known and not done
        self.query_one("#phones").display = bool(self.phones) and not done
        self.query_one("#phone-status").display = known and not done
        self.query_one("#release-hold").display = phone is not None and phone.on_hold and not done
        self.query_one("#release-form").display = releasable
        self.query_one("#meeting").display = releasable and phone is not None and phone.parent_meeting_owed
        choice = self.query_one(CollectorChoice).chosen
        self.query_one("#someone").display = releasable and choice == SOMEONE_ELSE
        carer = self.query_one(CollectorChoice).chosen_carer
        no_pr = releasable and carer is not None and not carer.parental_responsibility
        self.query_one("#no-pr-box").display = no_pr
        barred = releasable and carer is not None and carer.must_not_collect
        self.query_one("#must-not-box").display = barred
        dsl = self.ctx.who.can(Permission.RELEASE_TO_BARRED_CONTACT)
        self.query_one("#must-not-ack").display = barred and dsl
        if barred and carer is not None:
            # The note itself is shown in full once, under the list of carers (CollectorChoice).
            self.query_one("#must-not", Static).update(plain(Text.assemble(
                ("✖ MUST NOT COLLECT: ", "bold"),
                f"the MIS says {carer.name} ({carer.relationship or 'relationship not recorded'}) must not collect "
                "this pupil (the note is above). ",
                "As the DSL, read the note before you release the phone to them; the receipt will say so." if dsl
                else "Only the DSL can release the phone to them: refer to the DSL.")))
        if no_pr and carer is not None:
            self.query_one("#no-pr", Static).update(plain(
                f"⚠ {carer.name} ({carer.relationship or 'relationship not recorded'}) does NOT have parental "
                "responsibility for this pupil (MIS). Check they may collect; the receipt will say so."))
        why = self.authorisation_needed()
        self.query_one("#authorise").display = releasable and why is not None
        if why:
            self.query_one("#authorise-why", Static).update(plain(
                Text.assemble(("Needs the head or the DSL: ", "bold"), why,
                              " They type their initials, PIN and reason here.")))
        self.query_one("#release-done").display = done
        if bindings:
            self.refresh_bindings()

    def authorisation_needed(self) -> str | None:
        """Why a head or DSL must authorise this release, or None. (The domain decides; this only explains.)"""
        phone = self.chosen_phone
        if phone is None:
            return None
        unlisted = ("the collector is not on the pupil's contact list from the MIS"
                    if self.query_one(CollectorChoice).chosen == SOMEONE_ELSE else None)
        # The domain's own rule (kiosk.custody.terms): before the day it is held until, or before the end of that
        # school day ("after school" is not 08:30).
        early = phone.early_release_at(self.ctx.clock.now(), self.ctx.settings)
        why = " and ".join(filter(None, (unlisted, early)))
        return f"{why}." if why else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        phone = self.chosen_phone
        if action == "release":
            return phone is not None and phone.releasable and self.receipt is None and self.releasing is None
        if action == "safeguarding":
            return (phone is not None and phone.can_go_on_hold and self.receipt is None
                    and self.ctx.who.can(Permission.FLAG_SAFEGUARDING))
        if action == "next":
            return self.receipt is not None
        return True

    # ── finding the phone (the pupil is found the way the desk finds one: FindingScreen) ────────────────
    def find_pupil(self, event: ScanBox.Scanned, purpose: str) -> None:
        """A bag number typed or scanned here finds the phone sealed in it (it is no tag code: the desk's finding
        said "not a tag code"); a tag, an ID card or a name is found as the desk finds one."""
        event.stop()
        raw = plain_text(event.value).strip()
        if not raw:
            return
        try:
            scan = normalise(raw)
        except BadScan:
            scan = None  # perhaps a bag number: looked up below
        if isinstance(scan, TagScan | CommandScan):
            super().find_pupil(event, purpose)
            return
        self.clear_problem()

        def not_sealed(_answer: object = None) -> None:
            FindingScreen.find_pupil(self, event, purpose)

        on_the_worker(self, partial(held_phone_sealed_in, seal_number=raw),
                      then=lambda sealed: self.found_by_seal(sealed) if sealed is not None else not_sealed(),
                      failed=not_sealed)

    def found_by_seal(self, sealed: SealedPhone) -> None:
        found = Found(sealed.pupil, None, "bag number")
        if self.turned_away(found):  # another pupil's bag on a filled form: as for their tag
            return
        self.sealed_custody = sealed.phone.id
        self.identified(found)

    def box_for_a_scan(self, text: str) -> Input | None:
        """No field of this form takes a barcode: a bag's label scanned into one is for the pupil box (it finds the
        phone sealed in that bag), never typed into "ID seen" or "Condition now"."""
        return self.query_one("#scan", ScanBox)

    @property
    def pupil_on_form(self) -> PupilSummary | None:
        return self.pupil if self.receipt is None and self.releasing is None else None

    def identified(self, found: Found) -> None:
        if self.releasing is not None:  # the phone on screen is being released: it stays until the answer
            self.show_problem("Wait: this release is still being saved. Scan the next one once it says RELEASED "
                              "(or NOT SAVED).", "warning")
            return
        self.pupil = found.pupil
        self.pupil_chosen()
        self.query_one("#release-pupil", Static).update(plain(pupil_line(found.pupil)))
        self.query_one("#release-error", MessageLine).clear()
        # A scanned bag label means that phone; otherwise the first still releasable.
        self.load_phones(prefer_tag=found.tag_id if found.via == "tag" else None, carers=True)

    def load_phones(self, *, prefer_tag: int | None = None, carers: bool = False) -> None:
        """Read the pupil's held phones (and, for a pupil just found, their carers) on the worker; the status line
        says reading… until they come. Another desk may have released or held one meanwhile: this is how it is."""
        pupil = self.pupil
        assert pupil is not None
        self.reading = True  # Release waits for it
        if carers:  # a pupil just found: nothing of the last one stays on screen meanwhile
            self.phones, self.custody_id = {}, None
            self.query_one("#phones", DataTable).clear()
            status = self.query_one("#phone-status", Static)
            status.set_classes("")
            status.update(plain(f"The phones held for {pupil.name}: {READING}"))
            self.show_step()
        on_the_worker(self, partial(read_held, pupil.id),
                      then=lambda held: self.show_phones(pupil, held, prefer_tag=prefer_tag, carers=carers),
                      failed=lambda error: self.phones_not_read(pupil, error))

    def phones_not_read(self, pupil: PupilSummary, error: DeskError) -> None:
        if pupil is not self.pupil:
            return  # another pupil was found since
        self.reading = False
        self.phones, self.custody_id = {}, None
        self.query_one("#phones", DataTable).clear()
        status = self.query_one("#phone-status", Static)
        status.set_classes("-refused")
        status.update(plain(f"✖ {error.message} Scan again, or press Esc to go back."))
        self.show_step()
        self.show_refusal()

    def show_phones(self, pupil: PupilSummary, held: HeldFor, *, prefer_tag: int | None, carers: bool) -> None:
        if pupil is not self.pupil:
            return  # another pupil was found since
        self.reading = False
        self.last = held.last
        choice = self.query_one(CollectorChoice)
        if carers:
            choice.carers = held.carers
        self.phones = {c.id: c for c in held.phones}
        self.messages = held.messages
        table = self.query_one("#phones", DataTable)
        table.clear()
        for phone in self.phones.values():
            table.add_row(*plain_cells(phone.seal_number or "—", phone.reason_category or phone.reason or "—",
                                       when_text(phone.held_since, self.ctx),
                                       weekday_date(phone.held_until) if phone.held_until else "—",
                                       phone.slot or "—", confiscation_words(phone.state, short=True)),
                          key=str(phone.id))
        choices = list(self.phones.values())
        sealed, self.sealed_custody = self.sealed_custody, None  # the bag typed or scanned names this one
        preferred = ([c for c in choices if c.id == sealed] or [c for c in choices if c.tag_id == prefer_tag]
                     or [c for c in choices if c.releasable] or choices)
        self.choose_phone(preferred[0].id if preferred else None)
        if preferred:
            table.move_cursor(row=table.get_row_index(str(preferred[0].id)))
        if carers:
            choice.focus_when_shown = self.chosen_phone is not None and self.chosen_phone.releasable
            self.remember_blank_form()
        self.show_refusal()

    def show_refusal(self) -> None:
        """A release refused a moment ago, said where it can be seen now the phones are read again: under the
        form while it is shown, else at the top (the form goes when the phone can no longer be released)."""
        if self.refusal is None:
            return
        message, self.refusal = self.refusal, None
        shown = self.query_one("#release-error" if self.query_one("#release-form").display else "#problem",
                               MessageLine)
        shown.say(message)
        self.call_after_refresh(shown.scroll_visible)

    @on(DataTable.RowHighlighted, "#phones")
    def phone_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None and int(event.row_key.value) != self.custody_id:
            self.choose_phone(int(event.row_key.value))

    def choose_phone(self, custody_id: int | None) -> None:
        self.custody_id = custody_id
        status = self.query_one("#phone-status", Static)
        status.set_classes("")
        phone = self.chosen_phone
        if phone is None:
            status.update(plain(self.nothing_held_text()))
            status.add_class("-warning")
        elif phone.on_hold:
            status.update(plain(ON_HOLD))
            status.add_class("-refused")
        else:
            # Two short lines, so neither wraps mid-name at 80 columns: when and which bag; who, where, how.
            status.update(plain(f"Held since {when_text(phone.held_since, self.ctx)} · bag {phone.seal_number or '—'}"
                          f" · {phone.reason_category or phone.reason or 'reason not recorded'}\n"
                          f"by {phone.confiscated_by_name or '—'}"
                          f"{' at ' + phone.location if phone.location else ''}"
                          f"{' · ' + phone.condition if phone.condition else ''}"
                          + phone_words(phone)))
        self.show_messages(self.messages.get(custody_id, ()) if custody_id is not None else ())
        self.show_step()

    def show_messages(self, lines: tuple[OutboxLine, ...]) -> None:
        """What was sent about this phone, to whom and when (issue 18): the office can tell a parent at the hatch
        "we emailed you at 08:31" or see that it failed."""
        # Under the phone before it is released; under the receipt's summary once it is.
        done = self.receipt is not None
        self.query_one("#release-messages").display = bool(lines) and not done
        shown = self.query_one("#release-sent" if done else "#release-messages", Static)
        shown.update(plain(sent_about(lines, self.ctx)))

    def nothing_held_text(self) -> str:
        assert self.pupil is not None
        last = self.last
        nothing = f"⚠ No confiscated phone is held for {self.pupil.name}."
        ended = last.words(tz=self.ctx.settings.tz, today=local_today(self.ctx.clock, self.ctx.settings.tz)) \
            if last else ""
        return f"{nothing} {ended}" if ended else nothing

    # ── the collector ───────────────────────────────────────────────────────────────────────────────────
    @on(CollectorChoice.Chosen)
    def collector_chosen(self, event: CollectorChoice.Chosen) -> None:
        self.query_one("#no-pr-ack", TickBox).value = False  # a warning seen is about the carer it was shown for
        self.query_one("#must-not-ack", TickBox).value = False
        self.show_step()
        self.call_after_refresh(self.query_one("#collector-name" if event.carer_id == SOMEONE_ELSE else "#id-seen",
                                               Input).focus)

    def next_field(self, field: Input) -> None:
        if field.id == "pin":
            self.action_release()
        elif field.id == "meeting-outcome":
            self.record_meeting()
        else:
            self.focus_next()

    def value(self, field_id: str) -> str:
        return self.query_one(f"#{field_id}", Input).value

    def forget_pins(self) -> None:
        for field_id in ("pin", "auth-pin"):
            self.query_one(f"#{field_id}", Input).value = ""

    # ── releasing ───────────────────────────────────────────────────────────────────────────────────────
    def action_release(self) -> None:
        """The release is saved on the desk's worker (the PIN is checked there too); Release stays disabled until
        the answer, and RELEASED shows only once the commit has returned."""
        phone = self.chosen_phone
        if phone is None or self.receipt is not None or self.releasing is not None or self.reading:
            return
        error = self.query_one("#release-error", MessageLine)
        choice = self.query_one(CollectorChoice).chosen
        if choice is None:
            error.say("Choose who is collecting: one of the carers listed, or 'someone else'.")
            self.call_after_refresh(error.scroll_visible)
            return
        authorisation = None
        if self.query_one("#authorise").display and (self.value("auth-initials").strip() or self.value("auth-pin")):
            authorisation = Authorisation(initials=self.value("auth-initials").strip(), pin=self.value("auth-pin"),
                                          reason=plain_text(self.value("auth-reason")))
        someone_else = choice == SOMEONE_ELSE
        no_pr_seen = self.query_one("#no-pr-ack", TickBox).value
        if self.query_one("#no-pr-box").display and not no_pr_seen:
            error.say("This carer does not have parental responsibility: tick to confirm you have seen the warning.")
            self.call_after_refresh(error.scroll_visible)
            return
        run = partial(release_to_carer, self.ctx, phone.id, pin=self.value("pin"),
                      id_seen=plain_text(self.value("id-seen")),
                      carer_id=None if someone_else else choice,
                      collector_name=plain_text(self.value("collector-name")) if someone_else else "",
                      relationship=plain_text(self.value("collector-relationship")) if someone_else else "",
                      authorisation=authorisation, no_pr_acknowledged=no_pr_seen,
                      must_not_collect_acknowledged=self.query_one("#must-not-box").display
                      and self.query_one("#must-not-ack", TickBox).value,
                      condition_at_return=plain_text(self.value("return-condition")) or AS_WHEN_CONFISCATED,
                      receipt_email=self.value("receipt-email").strip() or None)
        self.forget_pins()  # taken into the job: nothing typed stays in the boxes while it is out
        self.releasing = BusyButton(self.query_one("#release", Button), "Releasing…")
        error.waiting(SAVING)
        self.refresh_bindings()
        on_the_worker(self, run, then=self.released, failed=lambda failure: self.not_released(phone, failure),
                      unattended=unattended_save(f"The release (bag {phone.seal_number or '—'})"))

    def _answered(self) -> None:
        if self.releasing is not None:
            self.releasing.done()
            self.releasing = None
        self.refresh_bindings()

    def not_released(self, phone: PhoneRecord, failure: DeskError) -> None:
        self._answered()
        if isinstance(failure, AccountLocked):
            # A wrong PIN (their own, or authoriser PINs typed at this desk) locked the signed-in account: the
            # session ends now, not at the next sign-in.
            self.post_message(LockRequested("account locked"))
            return
        # Another desk may have released or held it meanwhile: the phone is read again and shown as it is now,
        # with the refusal (show_refusal).
        self.query_one("#release-error", MessageLine).say(failure.message)
        self.refusal = failure.message
        self.load_phones(prefer_tag=phone.tag_id)

    def released(self, receipt: ReleaseReceipt) -> None:
        self._answered()
        self.query_one("#release-error", MessageLine).clear()
        self.clear_problem()  # a warning about the form is stale once the phone is released
        self.receipt = receipt
        # Here, not at the top: the PDF library takes a noticeable time to load.
        from kiosk.documents.custody_papers import release_receipt
        from kiosk.documents.saved import save_paper

        try:
            self.receipt_path = save_paper(release_receipt(receipt, self.ctx.settings), kind="release-receipt",
                                           custody_id=receipt.custody_id, at=receipt.at, tz=self.ctx.settings.tz)
            saved = f"Receipt saved: {self.receipt_path}"
        except OSError as failure:
            saved = f"✖ The receipt could not be saved ({failure}); the release itself is recorded."
        summary = Text.assemble(
            (f"{receipt.pupil.name} · {receipt.pupil.form}", "bold"),
            f" · bag {receipt.seal_number or '—'}\n",
            "Released to ", (f"{receipt.collector_name} ({receipt.relationship})", "bold"),
            f" at {when_text(receipt.at, self.ctx)} by {receipt.released_by}. ID seen: {receipt.id_seen}.",
        )
        if receipt.parental_responsibility is False:
            summary.append("\n⚠ Released to a carer without parental responsibility (on the receipt).", style="bold")
        if receipt.must_not_collect_released_by:
            summary.append("\n⚠ Released by the DSL to a contact the MIS says must not collect (on the receipt).",
                           style="bold")
        if receipt.early_release:
            summary.append(f"\nAn early release: {receipt.early_release}.")
        if receipt.authorised_by:
            summary.append(f"\nAuthorised by {receipt.authorised_by}"
                           f"{': ' + receipt.authorisation_reason if receipt.authorisation_reason else ''}.")
        summary.append(f"\nCondition at return: {receipt.condition_at_return}.")
        summary.append(f"\nAudit event {receipt.event_seq}.\n{saved}")
        self.query_one("#release-summary", Static).update(plain(summary))
        self.show_messages(())
        self.show_step()
        # The messages about this phone now, the receipt just queued among them (read on the worker).
        on_the_worker(self, partial(outbox_messages, custody_id=receipt.custody_id), then=self.show_messages,
                      failed=lambda _error: None)
        self.query_one("#next", Button).focus()

    # ── rung 3: the parent meeting, recorded before the release ─────────────────────────────────────────────
    def record_meeting(self) -> None:
        phone = self.chosen_phone
        if phone is None or not phone.parent_meeting_owed or self.releasing is not None:
            return
        error = self.query_one("#meeting-error", MessageLine)

        # Read here, on the UI thread; the job on the worker has only these words.
        day, at = plain_text(self.value("meeting-day")), plain_text(self.value("meeting-time"))
        attended, outcome = plain_text(self.value("meeting-attended")), plain_text(self.value("meeting-outcome"))

        def run() -> ParentMeeting:
            return record_parent_meeting(self.ctx, phone.id, held_at=meeting_time(day=day, at=at, ctx=self.ctx),
                                         attended=attended, outcome=outcome)

        def recorded(meeting: ParentMeeting) -> None:
            error.clear()
            self.load_phones(prefer_tag=phone.tag_id)  # read again: the meeting is no longer owed
            self.call_after_refresh(self.query_one(CollectorChoice).focus)

        error.waiting(SAVING)
        on_the_worker(self, run, then=recorded, failed=lambda failure: error.say(failure.message),
                      unattended=unattended_save("The parent meeting"))

    def action_safeguarding(self) -> None:
        phone = self.chosen_phone
        if phone is None or self.pupil is None:
            return

        def done(held: bool | None) -> None:
            if held:
                self.load_phones(prefer_tag=phone.tag_id)

        self.app.push_screen(FlagSafeguarding(self.ctx, custody_id=phone.id, pupil_name=self.pupil.name), done)

    def action_next(self) -> None:
        self.post_message(OpenScreen("release", replacing=True))

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        event.stop()
        actions = {"release": self.action_release, "release-flag": self.action_safeguarding,
                   "release-cancel": self.action_back, "next": self.action_next, "meeting-save": self.record_meeting,
                   "desk": self.action_back}
        actions[event.button.id or ""]()
