"""The pupil view (F4): find a pupil by name (any part, accents optional, legal or preferred), by form, or by a
tag or ID card, and see their page: tags, carers, exceptions, where their phone is now and its whole history.

Safeguarding: DSL notes are never shown here, to anyone (the DSL reads them on the Holds screen, where each
reading is audited). For every other role, a record that was ever on a safeguarding hold shows only
"held — refer to the DSL".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from peewee import fn
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Label, Static

from kiosk.auth.roles import Permission
from kiosk.clock import as_utc, local, local_today
from kiosk.custody import BadScan, DeskContext, PupilSummary, State, find_pupils, normalise
from kiosk.custody.codes import grouped
from kiosk.custody.confiscation import ladder_position
from kiosk.custody.lookup import find_by_admission_number
from kiosk.custody.scans import AdmissionNumberScan, CommandScan, NameSearch, TagScan
from kiosk.db.models import Carer, Custody, Event, PhoneException, Pupil, Staff, Tag
from kiosk.formatting import moment_or_year, short_date, weekday_date, weekday_date_year_time
from kiosk.reports.dashboard import days_held, is_overdue
from kiosk.screens.finding import DeskCardScreen, guarded_read, pupil_line, when_text
from kiosk.screens.pupil_picker import PupilPicker
from kiosk.widgets.message_line import MessageLine
from kiosk.widgets.scan_box import ScanBox
from kiosk.widgets.title_bar import TitleBar

SCAN_PROMPT = "type a name or a form (e.g. 9C), or scan a tag or ID card"
HINT = ("Type any part of a pupil's name (legal or preferred; accents optional), a form such as 9C, or scan the "
        "phone's tag or the pupil's ID card.")
REFER = "held — refer to the DSL"
# Actions about a safeguarding hold itself: only the DSL and the head see them at all.
SAFEGUARDING_ACTIONS = frozenset({"SAFEGUARDING_HOLD", "HOLD_CLEARED", "HANDED_TO_POLICE", "DSL_NOTE_ADDED",
                                  "DSL_NOTES_VIEWED", "RELEASED_FOR_DISPOSAL"})
WHAT = {
    "HANDED_IN": "handed in", "HANDED_BACK": "handed back", "LEFT_UNCOLLECTED": "left overnight",
    "CONFISCATED": "confiscated", "PARENT_INFORMED": "parent informed", "RELEASED": "released",
    "SAFEGUARDING_HOLD": "safeguarding hold placed", "HOLD_CLEARED": "safeguarding hold cleared",
    "HANDED_TO_POLICE": "handed to the police", "DSL_NOTE_ADDED": "DSL note added (Holds screen)",
    "DSL_NOTES_VIEWED": "DSL notes read", "SEARCH_RECORDED": "search recorded",
    "EXCEPTION_APPROVED": "exception approved", "TAG_REPLACED": "tag replaced", "LABELS_PRINTED": "label printed",
    "SUBJECT_ACCESS_EXPORTED": "subject access export", "REFUSED": "refused (not allowed for that role)",
}


# At 80 columns: the staff name's room, and the cells the What column leaves to the others: When (16) and Staff
# with 2 cells of padding each, the body's padding and scrollbar (4) and the table's own scrollbar (2).
NARROW_STAFF_WIDTH = 14
NARROW_HISTORY_OTHER_CELLS = 16 + 2 + NARROW_STAFF_WIDTH + 2 + 2 + 4 + 2


def cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


@dataclass(frozen=True)
class HistoryLine:
    at: datetime  # UTC
    what: str
    desk: str
    staff: str


def when_long(at: datetime, ctx: DeskContext) -> str:
    return f"{weekday_date_year_time(local(as_utc(at), ctx.settings.tz))}"


def when_short(at: datetime, ctx: DeskContext) -> str:
    """At 80 columns: the year only when it is not this year's."""
    return moment_or_year(local(as_utc(at), ctx.settings.tz), local_today(ctx.clock, ctx.settings.tz))


def what_happened(action: str, payload: dict | None, *, dsl: bool) -> str:
    """The event in the office's words, with only the particulars the office already works with."""
    what = WHAT.get(action, action.replace("_", " ").lower())
    if payload is None:
        return f"{what} · details erased under retention"
    extra: list[str] = []
    if action in ("HANDED_IN", "HANDED_BACK", "LEFT_UNCOLLECTED") and payload.get("slot"):
        extra.append(f"slot {payload['slot']}")
    elif action == "CONFISCATED":
        extra += [str(payload.get("reason") or ""), f"bag {payload['seal']}" if payload.get("seal") else ""]
    elif action == "PARENT_INFORMED" and payload.get("how"):
        extra.append(str(payload["how"]))
    elif action == "RELEASED" and payload.get("collector"):
        relation = f" ({payload['relationship']})" if payload.get("relationship") else ""
        extra.append(f"to {payload['collector']}{relation}")
    elif action == "SEARCH_RECORDED":
        extra.append("nothing found" if payload.get("nothing_found") else "see the search record")
    elif action == "EXCEPTION_APPROVED" and payload.get("kind"):
        extra.append(str(payload["kind"]))
    elif action == "HANDED_TO_POLICE" and dsl:
        extra += [str(payload.get("force") or ""), f"crime ref {payload.get('crime_reference') or '—'}"]
    return " · ".join([what, *(e for e in extra if e)])


def pupil_history(pupil_id: int, *, dsl: bool) -> list[HistoryLine]:
    """Everything that happened to this pupil's phones, newest first. For roles other than the DSL and the
    head, each record that was ever on a safeguarding hold is one line: when it began, and REFER."""
    custodies = list(Custody.select().where(Custody.pupil == pupil_id))
    restricted = set() if dsl else {c.id for c in custodies if c.dsl_flag}
    staff = dict(Staff.select(Staff.id, Staff.name).tuples())
    lines = [HistoryLine(as_utc(c.opened_at), REFER, "", "") for c in custodies if c.id in restricted]
    for event in Event.select().where(Event.pupil == pupil_id).order_by(Event.seq):
        if event.custody_id in restricted or (not dsl and event.action in SAFEGUARDING_ACTIONS):
            continue
        payload = json.loads(event.payload_json) if event.payload_json else None
        lines.append(HistoryLine(as_utc(event.at), what_happened(event.action, payload, dsl=dsl), event.desk,
                                 staff.get(event.staff_id, "") if event.staff_id else "command line"))
    return sorted(lines, key=lambda line: line.at, reverse=True)


class PupilScreen(DeskCardScreen):
    """Search at the top (the box keeps the focus, so the next search is just typing); the page below.
    Tab reaches the history table. Esc goes back.

    The desk card works here as on the form screens: LOCK locks; HAND IN, HAND BACK and CLOSE DAY go back to
    the desk and are acted on there (a page that is only read loses nothing by leaving)."""

    AUTO_FOCUS = "#scan"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    BINDINGS = [Binding("escape", "back", "Back")]

    def __init__(self, ctx: DeskContext) -> None:
        super().__init__(ctx)
        self.pupil: PupilSummary | None = None

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
                yield Label("History, newest first", id="history-title", classes="section-title")
                yield DataTable(id="history", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#pupil-page").display = False
        if not self.allowed:
            # The desk does not offer this screen to other roles; if reached anyway, it shows nothing.
            self.query_one("#scan").display = False
            self.query_one("#pupil-hint", Static).update(
                "Pupil pages are for the office, heads of year, the DSL and the head.")

    def action_back(self) -> None:
        self.dismiss()

    def problem(self, message: str) -> None:
        self.query_one("#pupil-problem", MessageLine).say(message)

    # ── finding ─────────────────────────────────────────────────────────────────────────────────────────
    @on(ScanBox.Scanned, "#scan")
    def scanned(self, event: ScanBox.Scanned) -> None:
        event.stop()
        if not self.allowed or not event.value.strip():
            return
        self.query_one("#pupil-problem", MessageLine).clear()
        guarded_read(self.problem, self.find, event.value)

    def find(self, raw: str) -> None:
        typed = raw.strip()
        forms = {form.casefold(): form for (form,) in Pupil.select(fn.DISTINCT(Pupil.form)).tuples()}
        if typed.casefold() in forms:
            form = forms[typed.casefold()]
            pupils = [PupilSummary.of(p) for p in Pupil.select().where((Pupil.form == form) & Pupil.active)
                      .order_by(Pupil.legal_surname, Pupil.legal_forename)]
            self.choose(pupils, f"form {form}")
            return
        try:
            scan = normalise(typed)
        except BadScan as error:
            self.problem(error.message)
            return
        if isinstance(scan, TagScan):
            tag = Tag.select(Tag, Pupil).join(Pupil).where(Tag.code == scan.code).first()
            if tag is None:
                self.problem(f"Tag {grouped(scan.code)} is not on this kiosk. Type the pupil's name instead.")
                return
            self.show_pupil(PupilSummary.of(tag.pupil))  # a retired tag still names its pupil
        elif isinstance(scan, AdmissionNumberScan):
            pupil = find_by_admission_number(scan.number)
            if pupil is None:
                self.problem(f"No pupil has admission number {scan.number}. Check the card, or type the name.")
                return
            self.show_pupil(PupilSummary.of(pupil))
        elif isinstance(scan, NameSearch):
            self.choose(find_pupils(scan, limit=40, include_left=True), f"'{typed}'")
        elif isinstance(scan, CommandScan):
            self.desk_card(scan.command, raw.strip())

    def choose(self, pupils: list[PupilSummary], typed: str) -> None:
        if not pupils:
            self.problem(f"No pupil matches {typed}. Check the spelling, or try part of the name.")
            return
        if len(pupils) == 1:
            self.show_pupil(pupils[0])
            return
        by_id = {p.id: p for p in pupils}

        def chosen(pupil_id: int | None) -> None:
            if pupil_id is not None:
                guarded_read(self.problem, self.show_pupil, by_id[pupil_id])

        self.app.push_screen(PupilPicker(pupils, mode="see", typed=typed.strip("'")), chosen)

    # ── the page ────────────────────────────────────────────────────────────────────────────────────────
    def show_pupil(self, pupil: PupilSummary) -> None:
        self.pupil = pupil
        # A page is showing: the search box shrinks to one line and the page gets the room.
        box = self.query_one("#scan", ScanBox)
        box.compact = True
        box.placeholder = "to see another pupil, type a name or a form, or scan a tag"
        today = local_today(self.ctx.clock, self.ctx.settings.tz)
        row = Pupil.get_by_id(pupil.id)
        self.query_one("#pupil-hint").display = False
        self.query_one("#pupil-page").display = True
        title = Text.from_markup(pupil_line(pupil))
        if pupil.legal_name != pupil.name:
            title.append(f" · legal name {pupil.legal_name}", "dim")
        if not pupil.active:
            title.append(f" · left the school{f' on {short_date(row.left_on)}' if row.left_on else ''}", "bold")
        self.query_one("#pupil-title", Static).update(title)
        self.query_one("#pupil-heading", Static).update(f"PUPIL · {pupil.name} · {pupil.form}")
        self.show_now(pupil)
        self.query_one("#pupil-tags", Static).update(self.tags_text(pupil.id))
        self.query_one("#pupil-carers", Static).update(self.carers_text(pupil.id))
        self.query_one("#pupil-exceptions", Static).update(self.exceptions_text(pupil.id, today))
        table = self.query_one("#history", DataTable)
        history = pupil_history(pupil.id, dsl=self.dsl)
        # At 80 columns the four columns of a large screen needed sideways scrolling: no year, no desk, and a
        # long event wraps in a column of its own width, so the table fits and nothing of it is lost.
        narrow = self.size.width < 120
        table.clear(columns=True)
        if narrow:
            table.add_column("When")
            table.add_column("What", width=max(20, self.size.width - NARROW_HISTORY_OTHER_CELLS))
            table.add_column("Staff")
            for line in history:
                table.add_row(when_short(line.at, self.ctx), line.what, cut(line.staff, NARROW_STAFF_WIDTH) or "—",
                              height=None)
        else:
            table.add_columns("When", "What", "Desk", "Staff")
            for line in history:
                table.add_row(when_long(line.at, self.ctx), line.what, line.desk, line.staff)
        self.query_one("#history-title", Label).update(
            f"History, newest first ({len(history)})" if history else "History: nothing recorded yet")
        table.display = bool(history)
        self.query_one("#pupil-body", VerticalScroll).scroll_home(animate=False)

    def show_now(self, pupil: PupilSummary) -> None:
        """Where the pupil's phone is now, and where they stand on the ladder this term."""
        open_now = list(Custody.select().where((Custody.pupil == pupil.id) & Custody.closed_at.is_null())
                        .order_by(Custody.opened_at))
        text = Text()
        severity = "ok"
        if not open_now:
            text.append("✔ No phone of theirs is in the office now.", "bold")
        for index, custody in enumerate(open_now):
            if index:
                text.append("\n")
            line, level = self.custody_words(custody)
            text.append(line, "bold")
            severity = level if level == "refused" or severity == "ok" else severity
        count = ladder_position(self.ctx, pupil.id, including_new=False).count_this_term
        text.append(f"\nConfiscations this term: {count}.")
        widget = self.query_one("#pupil-now", Static)
        widget.set_classes(f"-{severity}")
        widget.update(text)

    def custody_words(self, custody: Custody) -> tuple[str, str]:
        since = when_text(custody.opened_at, self.ctx)
        if custody.state == State.IN_OFFICE:
            return f"✔ In the office since {since}, slot {custody.slot or '—'}.", "ok"
        if custody.state == State.UNCOLLECTED:
            return f"⚠ Left overnight: in the office since {since}, slot {custody.slot or '—'}.", "warning"
        if custody.state == State.HELD_FOR_PARENT:
            until = f", held until {weekday_date(custody.held_until)}" if custody.held_until else ""
            today = local_today(self.ctx.clock, self.ctx.settings.tz)
            overdue = ""
            if is_overdue(custody.opened_at, today, self.ctx.settings):  # as the dashboard counts and flags it
                overdue = f" ⚠ held {days_held(custody.opened_at, today, self.ctx.settings.tz)} days — OVERDUE."
            return (f"⚠ Confiscated {when_text(custody.confiscated_at or custody.opened_at, self.ctx)} "
                    f"({custody.reason_category or 'no reason recorded'}), bag {custody.seal_number or '—'}, "
                    f"slot {custody.slot or '—'}{until}.{overdue} A parent or carer collects it (F6 Release)."), \
                "warning"
        if custody.state == State.SAFEGUARDING_HOLD:
            if not self.dsl:
                return f"✖ {REFER[0].upper()}{REFER[1:]}.", "refused"
            return (f"✖ On a safeguarding hold since {when_text(custody.state_changed_at, self.ctx)}, bag "
                    f"{custody.seal_number or '—'}. Notes: F10 Holds (each reading is recorded)."), "refused"
        return f"{custody.state.replace('_', ' ').lower()} since {since}.", "warning"

    def tags_text(self, pupil_id: int) -> Text:
        text = Text.assemble(("Tags", "bold underline"))
        tags = list(Tag.select().where(Tag.pupil == pupil_id).order_by(Tag.id))
        for tag in tags:
            style = "" if tag.status == "active" else "dim"
            text.append(f"\n{grouped(tag.code)}", "bold" if tag.status == "active" else "dim")
            text.append(f" · {tag.status}", style)
            if tag.device:
                text.append(f" · {tag.device}", style)
            printed = f" · label printed {short_date(tag.label_printed_at)}" if tag.label_printed_at else ""
            text.append(f"\n  since {short_date(as_utc(tag.created_at))}{printed}", "dim")
        if not tags:
            text.append("\nNo tag yet: print one before their phone can be handed in.")
        return text

    def carers_text(self, pupil_id: int) -> Text:
        text = Text.assemble(("Carers", "bold underline"))
        carers = list(Carer.select().where(Carer.pupil == pupil_id).order_by(Carer.priority, Carer.id))
        for carer in carers:
            relation = f" ({carer.relationship})" if carer.relationship else ""
            text.append(f"\n{carer.priority or '·'}. {carer.name}{relation}", "bold")
            text.append(f" · {carer.telephone or 'no telephone'} · ")
            if carer.parental_responsibility:
                text.append("✔ parental responsibility", "bold")
            else:
                text.append("no parental responsibility", "dim")
        if not carers:
            text.append("\nNone on the roster: check the MIS.")
        return text

    def exceptions_text(self, pupil_id: int, today: date) -> Text:
        text = Text.assemble(("Exceptions", "bold underline"))
        exceptions = list(PhoneException.select().where(PhoneException.pupil == pupil_id)
                          .order_by(PhoneException.valid_from))
        for exc in exceptions:
            active = exc.valid_from <= today and (exc.valid_to is None or exc.valid_to >= today)
            status = "✔ active" if active else "ended" if exc.valid_to and exc.valid_to < today else "starts later"
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
