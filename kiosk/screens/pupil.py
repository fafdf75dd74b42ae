"""The pupil view (F4): find a pupil by name (any part, accents optional, legal or preferred), by form, or by a
tag or ID card, and see their page: tags (and the phone each is for: Ctrl+O records it), carers, exceptions, where
their phone is now, the chain of custody of their latest confiscation, examinations of a phone's data (for those
who may record one) and the whole history, each handover in full.

Safeguarding: DSL notes are never shown here, to anyone (the DSL reads them on the Holds screen, where each
reading is audited). For every other role, a record that was ever on a safeguarding hold shows only
"held — refer to the DSL".

Finding the pupil and reading their page run on the desk's worker (kiosk/widgets/worker_jobs.py): the screen says
reading… meanwhile and keeps taking keys; the desk card is read at once, without the database.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import TypeVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, DataTable, Footer, Label, Static

from kiosk.auth.roles import Permission
from kiosk.auth.staff import SignedIn
from kiosk.clock import as_utc, local, local_today
from kiosk.custody import BadScan, DeskContext, DeskError, PupilSummary, find_pupils, normalise
from kiosk.custody.codes import grouped
from kiosk.custody.confiscation import ladder_position
from kiosk.custody.examinations import ExaminationLine, examinations_of_pupil
from kiosk.custody.handovers import Link
from kiosk.custody.lookup import pupil_with_admission_number, pupil_with_tag
from kiosk.custody.queries import CarerOption, ExceptionLine, PhoneRecord, PupilPage, TagLine, form_named, pupil_page
from kiosk.custody.queries.chain import CustodyChain, chains_of_pupil
from kiosk.custody.queries.messages import messages_about_pupil
from kiosk.custody.reprints import PAPERS
from kiosk.custody.scans import AdmissionNumberScan, CommandScan, NameSearch, TagScan
from kiosk.custody.states import REFER_TO_DSL as REFER
from kiosk.custody.states import State, left_overnight, on_daily_cycle
from kiosk.custody.tag_phone import RECORD_TAG_PHONE, TagPhoneRecorded
from kiosk.custody.year_groups import in_year_group, outside_year_group
from kiosk.custody.year_groups import refusal as year_group_refusal
from kiosk.errors import NotPermitted
from kiosk.formatting import moment_or_year, short_date, weekday_date, weekday_date_year_time
from kiosk.mail.outbox import OutboxLine
from kiosk.reports.dashboard import days_held, is_overdue
from kiosk.screens.base import DeskCardScreen
from kiosk.screens.handover import HandoverDialog
from kiosk.screens.pupil_picker import PupilPicker
from kiosk.screens.tag_phone import TagPhoneDialog
from kiosk.screens.wording import pupil_line, sent_about, when_text
from kiosk.text import plain_text
from kiosk.widgets.carer_words import carer_extras, carer_restriction
from kiosk.widgets.message_line import MessageLine
from kiosk.widgets.plain import plain, plain_cells
from kiosk.widgets.scan_box import ScanBox
from kiosk.widgets.title_bar import TitleBar
from kiosk.widgets.worker_jobs import READING, SAVING, on_the_worker

T = TypeVar("T")

SCAN_PROMPT = "type a name or a form (e.g. 9C), or scan a tag or ID card"
HINT = ("Type any part of a pupil's name (legal or preferred; accents optional), a form such as 9C, or scan the "
        "phone's tag or the pupil's ID card.")


# At 80 columns: the staff name's room, and the cells the What column leaves to the others: When (16) and Staff
# with 2 cells of padding each, the body's padding and scrollbar (4) and the table's own scrollbar (2).
NARROW_STAFF_WIDTH = 14
NARROW_HISTORY_OTHER_CELLS = 16 + 2 + NARROW_STAFF_WIDTH + 2 + 2 + 4 + 2
# On a large screen: what the When, Desk and Staff columns (each 2 cells of padding) and the scrollbars leave to
# What, which wraps there too (a handover said in full is longer than the screen is wide).
WIDE_HISTORY_OUTSIDE_CELLS = 4 + 2 + 2


@dataclass(frozen=True)
class LookedUp:
    """Who what was typed or scanned means (read on the desk's worker): the pupils it names, as the search box
    words them ("form 9C", "'webb'"), or why nobody."""

    pupils: Sequence[PupilSummary] = ()  # a name's: kiosk.custody.PupilMatches, which knows how many matched
    typed: str = ""
    problem: str | None = None


def look_up(typed: str, who: SignedIn | None = None) -> LookedUp:
    """On the worker: a form's name, a tag (a retired one still names its pupil), an ID card, or part of a name.
    A head of year with a year group finds their own year's pupils only (kiosk/custody/year_groups.py)."""
    found = _look_up(typed)
    if who is None or not found.pupils:
        return found
    theirs = in_year_group(who, found.pupils)
    if theirs:
        return LookedUp(theirs, found.typed)
    first = found.pupils[0]
    return LookedUp(problem=year_group_refusal(who, pupil_name=first.name, year=first.year)
                    if len(found.pupils) == 1 else
                    f"No pupil in year {who.year_group} matches {found.typed}: you see your own year group only.")


def _look_up(typed: str) -> LookedUp:
    form = form_named(text=typed)
    if form is not None:
        return LookedUp(form.pupils, f"form {form.form}")
    try:
        scan = normalise(typed)
    except BadScan as error:
        return LookedUp(problem=error.message)
    if isinstance(scan, TagScan):
        pupil = pupil_with_tag(code=scan.code)
        if pupil is None:
            return LookedUp(problem=f"Tag {grouped(scan.code)} is not on this kiosk. Type the pupil's name instead.")
        return LookedUp((pupil,), typed)
    if isinstance(scan, AdmissionNumberScan):
        pupil = pupil_with_admission_number(number=scan.number)
        if pupil is None:
            return LookedUp(problem=f"No pupil has admission number {scan.number}. Check the card, or type the name.")
        return LookedUp((pupil,), typed)
    if isinstance(scan, NameSearch):
        return LookedUp(find_pupils(scan, limit=40, include_left=True), f"'{typed}'")
    return LookedUp(problem="That is not a pupil's tag, ID card or name.")


@dataclass(frozen=True)
class PageRead:
    """A pupil's page and their confiscations this term, read together on the worker (page None: no longer on
    the roster)."""

    page: PupilPage | None
    confiscations_this_term: int
    # Examinations of their phones' data: None for a role that may not record one (it is not told of them at all).
    examinations: tuple[ExaminationLine, ...] | None = None


def chains_and_messages(*, pupil_id: int, dsl: bool) -> tuple[tuple[CustodyChain, ...],
                                                                dict[int, tuple[OutboxLine, ...]]]:
    """A pupil's confiscations' chains and what was sent about each, read together on the worker."""
    return chains_of_pupil(pupil_id=pupil_id, dsl=dsl), messages_about_pupil(pupil_id=pupil_id)


def read_page(ctx: DeskContext, pupil_id: int, dsl: bool) -> PageRead:
    other_year = outside_year_group(ctx.who, pupil_id=pupil_id)
    if other_year is not None:
        raise NotPermitted(other_year)
    examines = ctx.who.can(Permission.RECORD_EXAMINATION)
    page = pupil_page(pupil_id=pupil_id, dsl=dsl, examinations=examines)
    if page is None:
        return PageRead(None, 0)
    return PageRead(page, ladder_position(ctx, pupil_id, including_new=False).count_this_term,
                    examinations_of_pupil(pupil_id=pupil_id) if examines else None)


def reprint_and_save(ctx: DeskContext, *, custody_id: int, paper: str) -> Path:
    """On the worker: the paper made again (marked REPRINT, audited) and saved beside the desk's other papers."""
    # Here, not at the top: the PDF library takes a noticeable time to load and most visits print nothing.
    from kiosk.documents.custody_papers import reprinted_paper
    from kiosk.documents.saved import save_paper

    data = reprinted_paper(ctx, custody_id=custody_id, paper=paper)
    try:
        return save_paper(data, kind=f"{paper}-reprint", custody_id=custody_id, at=ctx.clock.now(),
                          tz=ctx.settings.tz)
    except OSError as error:
        raise DeskError(f"The reprint was made but could not be saved: {error}") from error


def cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def when_long(at: datetime, ctx: DeskContext) -> str:
    return f"{weekday_date_year_time(local(as_utc(at), ctx.settings.tz))}"


def when_short(at: datetime, ctx: DeskContext) -> str:
    """At 80 columns: the year only when it is not this year's."""
    return moment_or_year(local(as_utc(at), ctx.settings.tz), local_today(ctx.clock, ctx.settings.tz))


class PupilScreen(DeskCardScreen):
    """Search at the top (the box keeps the focus, so the next search is just typing); the page below.
    Tab reaches the history table. Esc goes back.

    The desk card works here as on the form screens: LOCK locks; HAND IN, HAND BACK and CLOSE DAY go back to
    the desk and are acted on there (a page that is only read loses nothing by leaving)."""

    AUTO_FOCUS = "#scan"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    BINDINGS = [Binding("escape", "back", "Back"), Binding("ctrl+t", "hand_over", "Hand over"),
                Binding("ctrl+o", "tag_phone", "Phone on tag")]

    def __init__(self, ctx: DeskContext) -> None:
        super().__init__(ctx)
        self.pupil: PupilSummary | None = None
        self.chain: CustodyChain | None = None  # the latest confiscation's, shown under the facts
        self.page: PupilPage | None = None  # the page shown (its tags: the phone each is for)
        self.asked = 0  # numbers each look-up and page asked for: only the latest one's answer is shown

    @property
    def started(self) -> bool:
        return False  # nothing is entered here

    def show_problem(self, message: str, severity: str = "refused") -> None:
        self.query_one("#pupil-problem", MessageLine).say(message, severity)

    def clear_problem(self) -> None:
        self.query_one("#pupil-problem", MessageLine).clear()

    @property
    def allowed(self) -> bool:
        return self.ctx.who.can(Permission.VIEW_PUPILS)

    @property
    def dsl(self) -> bool:
        return self.ctx.who.can(Permission.READ_DSL_NOTES)

    def compose(self) -> ComposeResult:
        who = self.ctx.who
        yield TitleBar(school=self.ctx.settings.school_name, desk=self.ctx.desk, clock=self.ctx.clock,
                       tz=self.ctx.settings.tz, staff=f"{who.name} ({who.role})")
        yield Static("PUPIL", id="pupil-heading", classes="screen-heading -pupil")
        scan = ScanBox(id="scan")
        scan.border_title = SCAN_PROMPT
        yield scan
        with VerticalScroll(id="pupil-body"):
            yield Static(HINT, id="pupil-hint", markup=False)
            yield MessageLine(id="pupil-problem")
            with Vertical(id="pupil-page"):
                yield Static(id="pupil-title")
                yield Static(id="pupil-now")
                with Horizontal(id="pupil-facts"):
                    yield Static(id="pupil-tags", classes="pupil-fact")
                    yield Static(id="pupil-exceptions", classes="pupil-fact")
                    yield Static(id="pupil-carers", classes="pupil-fact")
                with Horizontal(id="tag-buttons"):
                    yield Button("Their phone, on the tag (Ctrl+O)", id="tag-phone", compact=True)
                yield from self.compose_chain()
                yield Label("Examinations of a phone's data", id="examinations-title", classes="section-title")
                yield Static(id="pupil-examinations")
                yield Label("History, newest first", id="history-title", classes="section-title")
                yield DataTable(id="history", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#pupil-page").display = False
        if not self.allowed:
            # The desk does not offer this screen to other roles; if reached anyway, it shows nothing.
            self.query_one("#scan").display = False
            self.query_one("#pupil-hint", Static).update(plain(
                "Pupil pages are for the office, heads of year, the DSL and the head."))

    def action_back(self) -> None:
        self.dismiss()

    def problem(self, message: str) -> None:
        self.query_one("#pupil-problem", MessageLine).say(message)

    def ask(self, run: Callable[[], T], then: Callable[[T], None], waiting: str) -> None:
        """A read on the desk's worker; the line under the box says `waiting` until it answers. Only the latest
        read asked for is shown (a slow answer never replaces a later search's)."""
        self.asked += 1
        asked = self.asked
        line = self.query_one("#pupil-problem", MessageLine)

        def answered(value: T) -> None:
            if asked == self.asked:
                if line.severity == "waiting":
                    line.clear()
                then(value)

        def not_read(error: DeskError) -> None:
            if asked == self.asked:
                self.problem(error.message)

        job = on_the_worker(self, run, then=answered, failed=not_read)
        if not job.done:
            line.waiting(waiting)

    # ── finding ─────────────────────────────────────────────────────────────────────────────────────────
    @on(ScanBox.Scanned, "#scan")
    def scanned(self, event: ScanBox.Scanned) -> None:
        event.stop()
        if not self.allowed or not event.value.strip():
            return
        self.query_one("#pupil-problem", MessageLine).clear()
        self.find(event.value)

    def find(self, raw: str) -> None:
        typed = raw.strip()
        try:
            scan = normalise(typed)
        except BadScan:
            scan = None  # perhaps a form's name: the look-up says
        if isinstance(scan, CommandScan):  # the desk card needs no database: acted on at once
            self.desk_card(scan.command, typed)
            return
        self.ask(partial(look_up, typed, self.ctx.who), self.looked_up, f"Looking up '{typed}': {READING}")

    def looked_up(self, found: LookedUp) -> None:
        if found.problem is not None:
            self.problem(found.problem)
            return
        self.choose(found.pupils, found.typed)

    def choose(self, pupils: Sequence[PupilSummary], typed: str) -> None:
        if not pupils:
            self.problem(f"No pupil matches {typed}. Check the spelling, or try part of the name.")
            return
        if len(pupils) == 1:
            self.show_pupil(pupils[0])
            return
        by_id = {p.id: p for p in pupils}

        def chosen(pupil_id: int | None) -> None:
            if pupil_id is not None:
                self.show_pupil(by_id[pupil_id])

        self.app.push_screen(PupilPicker(pupils, mode="see", typed=typed.strip("'")), chosen)

    # ── the page ────────────────────────────────────────────────────────────────────────────────────────
    def show_pupil(self, found: PupilSummary) -> None:
        """Read the pupil's page on the worker, then show it."""
        self.ask(partial(read_page, self.ctx, found.id, self.dsl), self.show_page,
                 f"{found.name}'s page: {READING}")

    def show_page(self, read: PageRead) -> None:
        page = read.page
        if page is None:
            self.problem("That pupil is no longer on the roster. Search again.")
            return
        count = read.confiscations_this_term
        pupil = self.pupil = page.pupil
        self.page = page
        self.refresh_bindings()
        self.query_one("#tag-buttons").display = self.tag_for_phone() is not None
        self.show_examinations(read.examinations)
        # A page is showing: the search box shrinks to one line and the page gets the room.
        box = self.query_one("#scan", ScanBox)
        box.compact = True
        box.placeholder = "to see another pupil, type a name or a form, or scan a tag"
        today = local_today(self.ctx.clock, self.ctx.settings.tz)
        self.query_one("#pupil-hint").display = False
        self.query_one("#pupil-page").display = True
        title = pupil_line(pupil)
        if pupil.legal_name != pupil.name:
            title.append(plain_text(f" · legal name {pupil.legal_name}"), "dim")
        if not pupil.active:
            title.append(f" · left the school{f' on {short_date(page.left_on)}' if page.left_on else ''}", "bold")
        self.query_one("#pupil-title", Static).update(plain(title))
        self.query_one("#pupil-heading", Static).update(plain(f"PUPIL · {pupil.name} · {pupil.form}"))
        self.show_now(page.phones_now, count)
        self.query_one("#pupil-tags", Static).update(plain(self.tags_text(page.tags)))
        self.query_one("#pupil-carers", Static).update(plain(self.carers_text(page.carers)))
        self.query_one("#pupil-exceptions", Static).update(plain(self.exceptions_text(page.exceptions, today)))
        self.read_chain(pupil.id)
        table = self.query_one("#history", DataTable)
        history = page.history
        # At 80 columns the four columns of a large screen needed sideways scrolling: no year, no desk, and a
        # long event wraps in a column of its own width, so the table fits and nothing of it is lost.
        narrow = self.size.width < 120
        table.clear(columns=True)
        if narrow:
            table.add_column("When")
            table.add_column("What", width=max(20, self.size.width - NARROW_HISTORY_OTHER_CELLS))
            table.add_column("Staff")
            for line in history:
                table.add_row(*plain_cells(when_short(line.at, self.ctx), line.what,
                                           cut(plain_text(line.staff), NARROW_STAFF_WIDTH) or "—"), height=None)
        else:
            whens = [when_long(line.at, self.ctx) for line in history]
            others = sum(max([len(label), *(len(cell) for cell in cells)]) + 2
                         for label, cells in (("When", whens), ("Desk", [line.desk for line in history]),
                                              ("Staff", [line.staff for line in history])))
            table.add_column("When")
            table.add_column("What", width=max(30, self.size.width - others - WIDE_HISTORY_OUTSIDE_CELLS - 2))
            table.add_columns("Desk", "Staff")
            for when, line in zip(whens, history, strict=True):
                table.add_row(*plain_cells(when, line.what, line.desk, line.staff), height=None)
        self.query_one("#history-title", Label).update(plain(
            f"History, newest first ({len(history)})" if history else "History: nothing recorded yet"))
        table.display = bool(history)
        self.query_one("#pupil-body", VerticalScroll).scroll_home(animate=False)

    def show_now(self, phones: tuple[PhoneRecord, ...], confiscations_this_term: int) -> None:
        """Where the pupil's phone is now, and where they stand on the ladder this term."""
        text = Text()
        severity = "ok"
        if not phones:
            text.append("✔ No phone of theirs is in the office now.", "bold")
        for index, phone in enumerate(phones):
            if index:
                text.append("\n")
            line, level = self.phone_words(phone)
            text.append(line, "bold")
            severity = level if level == "refused" or severity == "ok" else severity
        text.append(f"\nConfiscations this term: {confiscations_this_term}.")
        widget = self.query_one("#pupil-now", Static)
        widget.set_classes(f"-{severity}")
        widget.update(plain(text))

    def phone_words(self, phone: PhoneRecord) -> tuple[str, str]:
        """Where one phone is, and how it looks: in a slot (✔), left overnight or confiscated (⚠), held for the
        DSL (✖). What each state allows is the domain's (kiosk.custody.states, PhoneRecord)."""
        since = when_text(phone.opened_at, self.ctx)
        if phone.on_hold:
            if not self.dsl:
                return f"✖ {REFER[0].upper()}{REFER[1:]}.", "refused"
            return (f"✖ On a safeguarding hold since {when_text(phone.state_changed_at, self.ctx)}, bag "
                    f"{phone.seal_number or '—'}. Notes: F10 Holds (each reading is recorded)."), "refused"
        if left_overnight(phone.state):
            # Handed in today and not collected at this afternoon's close: not left overnight (yet).
            tz = self.ctx.settings.tz
            handed_in = local(as_utc(phone.opened_at), tz).date()
            words = ("Left overnight" if left_overnight(phone.state, handed_in=handed_in,
                                                        today=local_today(self.ctx.clock, tz))
                     else "Not collected at the close of day")
            return f"⚠ {words}: in the office since {since}, slot {phone.slot or '—'}.", "warning"
        if on_daily_cycle(phone.state):
            return f"✔ In the office since {since}, slot {phone.slot or '—'}.", "ok"
        if phone.releasable:
            until = f", held until {weekday_date(phone.held_until)}" if phone.held_until else ""
            today = local_today(self.ctx.clock, self.ctx.settings.tz)
            overdue = ""
            if is_overdue(phone.held_since, today, self.ctx.settings):  # as the dashboard counts and flags it
                overdue = f" ⚠ held {days_held(phone.held_since, today, self.ctx.settings.tz)} days — OVERDUE."
            return (f"⚠ Confiscated {when_text(phone.held_since, self.ctx)} "
                    f"({phone.reason_category or 'no reason recorded'}), bag {phone.seal_number or '—'}, "
                    f"slot {phone.slot or '—'}{until}.{overdue} A parent or carer collects it (F6 Release)."), \
                "warning"
        return f"{phone.state.replace('_', ' ').lower()} since {since}.", "warning"

    # ── the chain of custody of their latest confiscation, its handovers and its papers (issue 16) ───────────
    def compose_chain(self) -> ComposeResult:
        with Vertical(id="pupil-chain-part"):
            yield Label("Chain of custody", id="chain-title", classes="section-title")
            yield Static(id="pupil-chain")
            yield Static(id="chain-messages")
            with Horizontal(id="chain-buttons"):
                yield Button("Hand over (Ctrl+T)", id="chain-hand-over", compact=True)
                for paper, (words, _permission) in PAPERS.items():
                    yield Button(f"Reprint {words}", id=f"reprint-{paper}", compact=True)
            yield MessageLine(id="chain-said")

    def read_chain(self, pupil_id: int) -> None:
        """The pupil's confiscations' chains, read on the worker after the page (the page is shown meanwhile)."""
        self.chain = None
        self.refresh_bindings()
        self.query_one("#pupil-chain-part").display = False
        self.query_one("#chain-said", MessageLine).clear()
        on_the_worker(self, partial(chains_and_messages, pupil_id=pupil_id, dsl=self.dsl),
                      then=lambda read: self.show_chain(pupil_id, *read),
                      failed=lambda error: self.query_one("#chain-said", MessageLine).say(error.message))

    def show_chain(self, pupil_id: int, chains: tuple[CustodyChain, ...],
                   messages: dict[int, tuple[OutboxLine, ...]] | None = None) -> None:
        if self.pupil is None or self.pupil.id != pupil_id:
            return  # another pupil's page since
        self.chain = chains[0] if chains else None
        self.refresh_bindings()
        part = self.query_one("#pupil-chain-part")
        part.display = self.chain is not None
        if self.chain is None:
            return
        chain = self.chain
        when = when_text(chain.confiscated_at, self.ctx) if chain.confiscated_at else "—"
        self.query_one("#chain-title", Label).update(plain(
            f"Chain of custody · confiscated {when}"
            + (f" ({len(chains) - 1} earlier: their chains are on their papers)" if len(chains) > 1 else "")))
        self.query_one("#pupil-chain", Static).update(plain(self.chain_text(chain)))
        # What was sent about this phone, to whom and when (issue 18), as the release screen says it.
        sent = sent_about((messages or {}).get(chain.custody_id, ()), self.ctx)
        self.query_one("#chain-messages", Static).update(plain(sent))
        self.query_one("#chain-messages").display = bool(sent)
        held = chain.place_now is not None
        self.query_one("#chain-hand-over", Button).display = held and self.ctx.who.can(Permission.RELEASE)
        for paper in PAPERS:
            self.query_one(f"#reprint-{paper}", Button).display = paper in self.papers_of(chain)

    def papers_of(self, chain: CustodyChain) -> tuple[str, ...]:
        """The papers this record has, that the one signed in may reprint (the domain checks again)."""
        has = ["custody-chain"]
        if chain.state == State.RELEASED:
            has.append("release-receipt")
        if chain.state == State.WITH_POLICE:
            has.append("police-receipt")
        if chain.held_until is not None:
            has.append("parent-notice")
        return tuple(p for p in PAPERS if p in has and self.ctx.who.can(PAPERS[p][1]))

    def chain_text(self, chain: CustodyChain) -> Text:
        text = Text()
        if chain.phone is not None:
            text.append(f"Phone: {chain.phone.described()}", "bold")
            if chain.phone.damage:
                text.append(f"; damage: {chain.phone.damage}")
            text.append("\n")
        text.append(f"Condition when confiscated: {chain.condition or 'not recorded'}")
        if chain.condition_at_return is not None:
            text.append(f" · at return: {chain.condition_at_return}")
        text.append(f"\nNow: {chain.place_now or 'no longer held by the school'}, bag {chain.seal_now or '—'}"
                    f" · seals: {' → '.join(chain.seals) or '—'}")
        for number, link in enumerate(chain.links, start=1):
            seal = f"{link.old_seal} → {link.seal}" if link.old_seal and link.old_seal != link.seal else link.seal
            text.append(f"\n{number}. {when_text(link.at, self.ctx)} ", "bold")
            text.append(f"{link.from_place} → {link.to_place}", "bold")
            text.append(f" · bag {seal or '—'}\n  ↳ given by {link.released_by} · taken by {link.received_by}")
            if link.note:
                text.append(f" · {link.note}")
        return text

    # ── the phone a tag is for (issue 16), and examinations of a phone's data ────────────────────────────────
    def tag_for_phone(self) -> TagLine | None:
        """The pupil's current tag, when the one signed in keeps the tags (their phone is recorded on it)."""
        if self.page is None or not self.ctx.who.can(RECORD_TAG_PHONE):
            return None
        return next((tag for tag in self.page.tags if tag.active), None)

    def action_tag_phone(self) -> None:
        tag, pupil = self.tag_for_phone(), self.pupil
        if tag is None or pupil is None:
            return

        def done(recorded: TagPhoneRecorded | None) -> None:
            if recorded is not None:
                words = recorded.phone.described() if recorded.phone is not None else "cleared"
                self.query_one("#pupil-problem", MessageLine).say(
                    f"The phone on tag {grouped(recorded.tag_code)}: {words}.", "ok")
                self.ask(partial(read_page, self.ctx, pupil.id, self.dsl), self.show_page,
                         f"{pupil.name}'s page: {READING}")

        self.app.push_screen(TagPhoneDialog(self.ctx, tag_id=tag.id, tag_code=tag.code, pupil_name=pupil.name,
                                            phone=tag.phone), done)

    @on(Button.Pressed, "#tag-phone")
    def tag_phone_button(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_tag_phone()

    def show_examinations(self, examinations: tuple[ExaminationLine, ...] | None) -> None:
        """Who examined which phone's data, who authorised it, whether anything was erased and who was told (no
        text: the reason and what was seen are the DSL's and the head's, each reading audited). Only for those who
        may record one; for them, said even when there is none."""
        title = self.query_one("#examinations-title", Label)
        shown = self.query_one("#pupil-examinations", Static)
        title.display = shown.display = examinations is not None
        if examinations is None:
            return
        text = Text()
        for exam in reversed(examinations):  # newest first, as the history
            if text:
                text.append("\n")
            text.append(f"{when_text(exam.at, self.ctx)} ", "bold")
            text.append(f"examined by {exam.examined_by}, authorised by {exam.authorised_by}"
                        f" · data erased: {'yes' if exam.erased else 'no'}"
                        f" · DSL told: {'yes' if exam.dsl_told else 'no'}"
                        f" · parent told: {'yes' if exam.parent_told else 'no'}")
        if not examinations:
            text.append("None recorded.", "dim")
        title.update(plain(f"Examinations of a phone's data ({len(examinations)})" if examinations
                           else "Examinations of a phone's data"))
        shown.update(plain(text))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "tag_phone":
            return self.tag_for_phone() is not None
        if action == "hand_over":  # only while a confiscated phone of theirs is held, for those who move one
            return self.chain is not None and self.chain.place_now is not None \
                and self.ctx.who.can(Permission.RELEASE)
        return True

    def action_hand_over(self) -> None:
        chain = self.chain
        if chain is None or chain.place_now is None or not self.ctx.who.can(Permission.RELEASE):
            return

        def done(link: Link | None) -> None:
            if link is not None:
                self.query_one("#chain-said", MessageLine).say(
                    f"✔ Handed over: {link.from_place} → {link.to_place} (audit event {link.event_seq}).", "ok")
                self.read_chain(chain.pupil.id)

        self.app.push_screen(HandoverDialog(self.ctx, custody_id=chain.custody_id, pupil_name=chain.pupil.name,
                                            place=chain.place_now, seal=chain.seal_now or "",
                                            phone=chain.phone.described() if chain.phone else ""), done)

    def reprint(self, paper: str) -> None:
        chain = self.chain
        if chain is None:
            return
        said = self.query_one("#chain-said", MessageLine)
        said.waiting(f"Reprinting the {PAPERS[paper][0]}: {SAVING}")
        on_the_worker(self, partial(reprint_and_save, self.ctx, custody_id=chain.custody_id, paper=paper),
                      then=lambda path: said.say(f"✔ REPRINT of the {PAPERS[paper][0]} saved: {path}", "ok"),
                      failed=lambda error: said.say(error.message))

    @on(Button.Pressed, "#chain-buttons Button")
    def chain_button(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "chain-hand-over":
            self.action_hand_over()
        elif event.button.id and event.button.id.startswith("reprint-"):
            self.reprint(event.button.id.removeprefix("reprint-"))

    @staticmethod
    def tags_text(tags: tuple[TagLine, ...]) -> Text:
        text = Text.assemble(("Tags", "bold underline"))
        for tag in tags:
            style = "" if tag.active else "dim"
            text.append(f"\n{grouped(tag.code)}", "bold" if tag.active else "dim")
            text.append(f" · {tag.status}", style)
            if tag.device:
                text.append(f" · {tag.device}", style)
            if tag.phone is not None and tag.phone.recorded:
                damage = f"; damage: {tag.phone.damage}" if tag.phone.damage else ""
                text.append(f"\n  phone: {tag.phone.described()}{damage}", style)
            printed = f" · label printed {short_date(tag.label_printed_at)}" if tag.label_printed_at else ""
            text.append(f"\n  since {short_date(tag.created_at)}{printed}", "dim")
        if not tags:
            text.append("\nNo tag yet: print one before their phone can be handed in.")
        return text

    @staticmethod
    def carers_text(carers: tuple[CarerOption, ...]) -> Text:
        """Each carer as the MIS knows them (kiosk/widgets/carer_words.py): MUST NOT COLLECT and the note in full."""
        text = Text.assemble(("Carers", "bold underline"))
        for carer in carers:
            relation = f" ({carer.relationship})" if carer.relationship else ""
            text.append(f"\n{carer.priority or '·'}. {carer.name}{relation}", "bold")
            number = carer.mobile or carer.telephone
            text.append(f" · {number or 'no telephone'} · ")
            if carer.parental_responsibility:
                text.append("✔ parental responsibility", "bold")
            else:
                text.append("no parental responsibility", "dim")
            text.append_text(carer_extras(carer, shown_number=number))
            restriction = carer_restriction(carer)
            if restriction is not None:
                text.append("\n  ")
                text.append_text(restriction)
        if not carers:
            text.append("\nNone on the roster: check the MIS.")
        return text

    @staticmethod
    def exceptions_text(exceptions: tuple[ExceptionLine, ...], today: date) -> Text:
        text = Text.assemble(("Exceptions", "bold underline"))
        for exc in exceptions:
            standing = exc.standing_on(today)
            active = standing == "active"
            status = "✔ active" if active else standing
            until = short_date(exc.valid_to) if exc.valid_to else "no end date"
            text.append(f"\n{exc.kind}", "bold" if active else "dim")
            text.append(f" · {status}", "bold" if active else "dim")
            if exc.notes:
                text.append(f" — {exc.notes}")
            text.append(f"\n  {short_date(exc.valid_from)} – {until} · approved by {exc.approved_by_name}"
                        + (f" · {exc.agreement_ref}" if exc.agreement_ref else ""), "dim")
        if not exceptions:
            text.append("\nNone.", "dim")
        return text
