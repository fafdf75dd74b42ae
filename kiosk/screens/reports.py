"""Reports (F11): the figures for a day, a week, a term or the school year, on screen, saved as a CSV for a
spreadsheet and as the annual review pack (policy §8) PDF, privately, in the kiosk's papers folder.

The figures are read and the files written in worker threads; the screen only shows what they post back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Label, Static
from textual.worker import get_current_worker

from kiosk.auth.roles import Permission
from kiosk.clock import local, local_today
from kiosk.config import Settings
from kiosk.custody import DeskContext, DeskError
from kiosk.custody.terms import terms
from kiosk.db.models import database_proxy
from kiosk.documents.saved import save_private
from kiosk.reports.export import to_csv
from kiosk.reports.figures import (
    ConfiscationFigures,
    DailyLine,
    DeskTime,
    ExamIncident,
    SearchFigures,
    confiscation_figures,
    daily_lines,
    desk_time,
    exam_incidents,
    safeguarding_figures,
    search_figures,
)
from kiosk.reports.periods import Period, period
from kiosk.reports.review_pack import review_pack
from kiosk.widgets.bar_list import BarList
from kiosk.widgets.message_line import MessageLine
from kiosk.widgets.title_bar import TitleBar

KINDS = {"day": "Day", "week": "Week", "term": "Term", "year": "Year"}
PERIOD_KEYS = "keys: D W T Y day, week, term, year · [ and ] the one before, after"


def finished_with_database() -> None:
    """peewee keeps one connection per thread: a worker thread closes its own when its reading is done."""
    db = database_proxy.obj
    if db is not None and not db.is_closed():
        db.close()


@dataclass(frozen=True)
class ReportFigures:
    """Every figure the Reports screen shows, for one period (safeguarding None when the role may not see it)."""

    period: Period
    kind: str
    days: list[DailyLine]
    confiscations: ConfiscationFigures
    exams: list[ExamIncident]
    searches: SearchFigures
    desk: DeskTime
    safeguarding: dict[str, int] | None

    @property
    def handed_in(self) -> int:
        return sum(d.handed_in for d in self.days)

    @property
    def handed_back(self) -> int:
        return sum(d.handed_back for d in self.days)

    @property
    def left_uncollected(self) -> int:
        return sum(d.left_uncollected for d in self.days)

    @property
    def school_days(self) -> int:
        return sum(1 for d in self.days if d.handed_in or d.handed_back)


def report_figures(p: Period, kind: str, settings: Settings, *, include_safeguarding: bool) -> ReportFigures:
    return ReportFigures(p, kind, daily_lines(p, settings), confiscation_figures(p, settings),
                         exam_incidents(p, settings), search_figures(p, settings), desk_time(p, settings),
                         safeguarding_figures(p, settings) if include_safeguarding else None)


def report_csv(f: ReportFigures, tz: ZoneInfo) -> str:
    """One tidy table (section, item, measure, value) that a spreadsheet can pivot; safe to open in Excel."""
    c = f.confiscations
    rows: list[list[object]] = [["period", f.period.label, "from", f"{f.period.start:%Y-%m-%d}"],
                                ["period", f.period.label, "to", f"{f.period.end:%Y-%m-%d}"]]
    for d in f.days:
        if d.handed_in or d.handed_back or d.left_uncollected or f.desk.minutes_per_day.get(d.day):
            day = f"{d.day:%Y-%m-%d}"
            rows += [["day", day, "handed in", d.handed_in], ["day", day, "handed back", d.handed_back],
                     ["day", day, "left overnight", d.left_uncollected],
                     ["day", day, "desk minutes", f.desk.minutes_per_day.get(d.day, 0.0)]]
    rows += [["totals", "phones", "handed in", f.handed_in], ["totals", "phones", "handed back", f.handed_back],
             ["totals", "phones", "left overnight", f.left_uncollected],
             ["confiscations", "all", "count", c.total], ["confiscations", "all", "released", c.released],
             ["confiscations", "all", "still held", c.still_held],
             ["confiscations", "all", "median hours held", c.median_hours_held if c.median_hours_held else ""]]
    rows += [["confiscations by reason", reason, "count", n] for reason, n in c.by_reason.items()]
    rows += [["confiscations by year group", year, "count", n] for year, n in c.by_year.items()]
    rows += [["confiscations by form", form, "count", n] for form, n in c.by_form.items()]
    rows += [["confiscations by week", f"{monday:%Y-%m-%d}", "count", n] for monday, n in c.by_week.items()]
    rows += [["repeat confiscations", f"{name} ({form})", "count", n] for name, form, n in c.repeat_pupils]
    rows += [["phones found in exams", f"{e.pupil} ({e.form})",
              f"{local(e.at, tz):%Y-%m-%d %H:%M} {e.board} {e.paper} {e.room}".strip(), 1] for e in f.exams]
    s = f.searches
    rows += [["searches", "all", "count", s.total], ["searches", "all", "nothing found", s.nothing_found],
             ["searches", "all", "DSL informed", s.dsl_informed],
             ["searches", "all", "parent informed", s.parent_informed]]
    t = f.desk
    rows += [["desk time", "hand-ins", "count", t.hand_ins], ["desk time", "hand-backs", "count", t.hand_backs],
             ["desk time", "hand-in", "median seconds", t.seconds_per_hand_in or ""],
             ["desk time", "hand-back", "median seconds", t.seconds_per_hand_back or ""]]
    if f.safeguarding is not None:
        rows += [["safeguarding (counts only)", what, "count", n] for what, n in f.safeguarding.items()]
    return to_csv(["section", "item", "measure", "value"], rows)


def summary_text(f: ReportFigures) -> Text:
    """The period's headline figures, one per line: the label, the figure, then what it is made of."""
    c, s, t = f.confiscations, f.searches, f.desk
    per_day = f" · {f.handed_in / f.school_days:,.0f} a day on average" if f.school_days else ""
    repeat3 = sum(1 for r in c.repeat_pupils if r[2] >= 3)
    minutes = list(t.minutes_per_day.values())
    lines: list[tuple[str, str, str]] = [
        ("Phones handed in", f"{f.handed_in:,}", f"{f.school_days} school day{'s' * (f.school_days != 1)}{per_day}"),
        ("Phones handed back", f"{f.handed_back:,}", ""),
        ("Left overnight", f"{f.left_uncollected:,}", "uncollected at the close of day"),
        ("Confiscations", f"{c.total:,}", f"released {c.released:,} · still held {c.still_held:,}"
         + (f" · median {c.median_hours_held} hours held" if c.median_hours_held is not None else "")),
        ("Pupils confiscated ≥2×", f"{len(c.repeat_pupils):,}", f"{repeat3} three times or more"),
        ("Phones found in exams", f"{len(f.exams):,}", "report each to the exam board"),
        ("Searches", f"{s.total:,}", f"none found {s.nothing_found} · DSL told {s.dsl_informed} · "
                                     f"parents told {s.parent_informed}"),
        ("Time per hand-in", f"{t.seconds_per_hand_in or '—'}", "seconds, median, from the records"),
        ("Time per hand-back", f"{t.seconds_per_hand_back or '—'}", "seconds, median"),
        ("Desk minutes a day", f"{sum(minutes) / len(minutes):.1f}" if minutes else "—",
         "average over the days with scans"),
    ]
    text = Text()
    for index, (label, value, detail) in enumerate(lines):
        if index:
            text.append("\n")
        text.append(f"{label:<22}")
        text.append(f"{value:>6}", "bold")
        if detail:
            text.append(f"  {detail}", "dim")
    return text


def shifted(kind: str, current: Period, direction: int, settings: Settings) -> date:
    """A day inside the period before (-1) or after (+1) `current`, of the same kind."""
    if kind == "day":
        return current.start + timedelta(days=direction)
    if kind == "week":
        return current.start + timedelta(days=7 * direction)
    if kind == "term" and direction > 0:
        later = [start for start, _ in terms(settings) if start > current.end]
        return later[0] if later else current.end + timedelta(days=1)
    return current.start - timedelta(days=1) if direction < 0 else current.end + timedelta(days=1)


class ReportsScreen(Screen[None]):
    """Choose the period with D, W, T, Y (and [ ] for the one before or after); save with C (CSV) or
    P (review pack PDF). Esc goes back."""

    AUTO_FOCUS = "#report-body"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    BINDINGS = [
        Binding("escape", "back", "Back"),
        # The period keys are spelt out on the screen itself (PERIOD_KEYS), so the footer has room.
        Binding("d", "period('day')", "Day", show=False),
        Binding("w", "period('week')", "Week", show=False),
        Binding("t", "period('term')", "Term", show=False),
        Binding("y", "period('year')", "Year", show=False),
        Binding("left_square_bracket", "shift(-1)", "Earlier", show=False),
        Binding("right_square_bracket", "shift(1)", "Later", show=False),
        Binding("c", "save_csv", "Save CSV"),
        Binding("p", "save_pack", "Review pack"),
    ]

    class Computed(Message):
        """The figures for the chosen period were read."""

        def __init__(self, figures: ReportFigures) -> None:
            super().__init__()
            self.figures = figures

    class Saved(Message):
        """A report file was written; `path` is where."""

        def __init__(self, what: str, path: Path) -> None:
            super().__init__()
            self.what = what
            self.path = path

    class Failed(Message):
        """Reading the figures or writing a file failed; `message` says why."""

        def __init__(self, message: str) -> None:
            super().__init__()
            self.message = message

    def __init__(self, ctx: DeskContext, *, kind: str = "week") -> None:
        super().__init__()
        self.ctx = ctx
        self.kind = kind
        self.anchor = local_today(ctx.clock, ctx.settings.tz)
        self.figures: ReportFigures | None = None
        self.saved: list[Path] = []
        self.saved_lines: list[str] = []

    @property
    def allowed(self) -> bool:
        return self.ctx.who.can(Permission.VIEW_REPORTS)

    @property
    def with_safeguarding(self) -> bool:
        return self.ctx.who.can(Permission.SAFEGUARDING)

    def compose(self) -> ComposeResult:
        who = self.ctx.who
        yield TitleBar(school=self.ctx.settings.school_name, desk=self.ctx.desk, clock=self.ctx.clock,
                       tz=self.ctx.settings.tz, staff=f"{who.name} ({who.role})")
        yield Static("REPORTS", id="report-heading", classes="screen-heading -reports")
        with Horizontal(id="report-periods"):
            for kind, label in KINDS.items():
                yield Button(label, id=f"period-{kind}", compact=True)
            yield Button("◀", id="earlier", compact=True, tooltip="the period before ([)")
            yield Button("▶", id="later", compact=True, tooltip="the period after (])")
            yield Button("Save CSV", id="save-csv", compact=True)
            yield Button("Review pack PDF", id="save-pack", compact=True)
        yield Static(PERIOD_KEYS, id="report-keys", markup=False)
        with VerticalScroll(id="report-body"):
            yield MessageLine(id="report-status")
            yield Static(id="report-saved")
            yield Static("Reading the figures…", id="report-summary")
            yield Static(id="report-safeguarding")
            with Horizontal(id="report-charts"):
                for chart_id, title in (("by-reason", "Confiscations by reason"),
                                        ("by-year", "By year group"), ("by-form", "By form")):
                    with Vertical(classes="report-chart"):
                        yield Label(title, classes="section-title")
                        yield BarList(empty="None in this period.", id=chart_id)
            yield Label("Repeat confiscations", id="repeats-title", classes="section-title")
            yield DataTable(id="repeats", cursor_type="row", zebra_stripes=True)
            yield Label("Phones found in exams", id="exams-title", classes="section-title")
            yield DataTable(id="exams", cursor_type="row", zebra_stripes=True)
            yield Label("Day by day", id="daily-title", classes="section-title")
            yield DataTable(id="daily", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#repeats", DataTable).add_columns("Pupil", "Form", "Confiscations")
        self.query_one("#exams", DataTable).add_columns("When", "Pupil", "Form", "Exam board", "Paper", "Room")
        self.query_one("#daily", DataTable).add_columns("Day", "Handed in", "Handed back", "Left overnight",
                                                        "Desk minutes")
        self.query_one("#report-safeguarding").display = False
        if not self.allowed:
            # The desk does not offer this screen to other roles; if reached anyway, it shows nothing.
            self.query_one("#report-periods").display = False
            for widget in self.query_one("#report-body").children:
                widget.display = False
            self.query_one("#report-status", MessageLine).say("Reports are for the office, the DSL and the head.")
            return
        self.read()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.allowed:
            return action == "back"
        if action in ("save_csv", "save_pack"):
            return self.figures is not None
        return True

    @property
    def chosen(self) -> Period:
        return period(self.kind, self.anchor, self.ctx.settings)

    # ── choosing ────────────────────────────────────────────────────────────────────────────────────────
    def action_period(self, kind: str) -> None:
        self.kind = kind
        self.anchor = local_today(self.ctx.clock, self.ctx.settings.tz)
        self.read()

    def action_shift(self, direction: int) -> None:
        anchor = shifted(self.kind, self.chosen, direction, self.ctx.settings)
        today = local_today(self.ctx.clock, self.ctx.settings.tz)
        if period(self.kind, anchor, self.ctx.settings) == self.chosen or \
                period(self.kind, anchor, self.ctx.settings).start > today:
            self.say("There is no later period with records yet.", "warning")
            return
        self.anchor = anchor
        self.read()

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        event.stop()
        button = event.button.id or ""
        if button.startswith("period-"):
            self.action_period(button.removeprefix("period-"))
        elif button in ("earlier", "later"):
            self.action_shift(-1 if button == "earlier" else 1)
        elif button == "save-csv":
            self.action_save_csv()
        elif button == "save-pack":
            self.action_save_pack()

    def say(self, message: str, severity: str = "refused") -> None:
        self.query_one("#report-status", MessageLine).say(message, severity)

    # ── reading, in a worker thread ─────────────────────────────────────────────────────────────────────
    def read(self) -> None:
        chosen = self.chosen
        self.figures = None
        self.refresh_bindings()
        self.query_one("#report-heading", Static).update(f"REPORTS · {chosen.label} · reading…")
        for kind in KINDS:
            self.query_one(f"#period-{kind}", Button).variant = "primary" if kind == self.kind else "default"
        self.read_figures(chosen, self.kind)

    @work(thread=True, exclusive=True, group="report")
    def read_figures(self, chosen: Period, kind: str) -> None:
        worker = get_current_worker()
        message: Message
        try:
            message = self.Computed(report_figures(chosen, kind, self.ctx.settings,
                                                   include_safeguarding=self.with_safeguarding))
        except DeskError as error:
            message = self.Failed(error.message)
        finally:
            finished_with_database()
        if not worker.is_cancelled:
            self.post_message(message)

    @on(Computed)
    def computed(self, event: Computed) -> None:
        f = event.figures
        if f.period != self.chosen:
            return  # an earlier choice, overtaken
        self.figures = f
        self.refresh_bindings()
        self.query_one("#report-heading", Static).update(f"REPORTS · {f.period.label}")
        self.query_one("#report-summary", Static).update(summary_text(f))
        guarding = self.query_one("#report-safeguarding", Static)
        guarding.display = f.safeguarding is not None
        if f.safeguarding is not None:
            guarding.update(Text.assemble(("Safeguarding (counts only; DSL and head): ", "bold"),
                                          " · ".join(f"{what} {n}" for what, n in f.safeguarding.items())))
        c = f.confiscations
        self.query_one("#by-reason", BarList).show(list(c.by_reason.items()))
        self.query_one("#by-year", BarList).show(list(c.by_year.items()))
        self.query_one("#by-form", BarList).show(list(c.by_form.items()))
        repeats = self.query_one("#repeats", DataTable)
        repeats.clear()
        for name, form, n in c.repeat_pupils:
            repeats.add_row(name, form, n)
        exams = self.query_one("#exams", DataTable)
        exams.clear()
        for e in f.exams:
            exams.add_row(f"{local(e.at, self.ctx.settings.tz):%a %-d %b %H:%M}", e.pupil, e.form, e.board or "—",
                          e.paper or "—", e.room or "—")
        daily = self.query_one("#daily", DataTable)
        daily.clear()
        for d in f.days:
            minutes = f.desk.minutes_per_day.get(d.day)
            # A day or a week lists every weekday; a term or a year only the days something happened.
            if d.handed_in or d.handed_back or d.left_uncollected or (d.day.weekday() < 5
                                                                      and f.kind in ("day", "week")):
                daily.add_row(f"{d.day:%a %-d %b %Y}", d.handed_in, d.handed_back, d.left_uncollected,
                              f"{minutes:.1f}" if minutes else "—")
        for table, title, empty in ((repeats, "Repeat confiscations", "nobody more than once"),
                                    (exams, "Phones found in exams", "none"), (daily, "Day by day", "no records")):
            table.display = table.row_count > 0
            self.query_one(f"#{table.id}-title", Label).update(
                f"{title} ({table.row_count})" if table.row_count else f"{title}: {empty}")

    @on(Failed)
    def failed(self, event: Failed) -> None:
        self.say(event.message)
        self.query_one("#report-heading", Static).update(f"REPORTS · {self.chosen.label}")

    # ── saving, in a worker thread ──────────────────────────────────────────────────────────────────────
    def action_save_csv(self) -> None:
        if self.figures is None:
            return
        self.say("Saving the CSV…", "warning")
        self.write_file("CSV", report_csv(self.figures, self.ctx.settings.tz).encode("utf-8-sig"),
                        f"report-{self.figures.kind}-{self.figures.period.start:%Y-%m-%d}", ".csv")

    def action_save_pack(self) -> None:
        if self.figures is None:
            return
        self.say("Making the review pack (a few seconds for a whole year)…", "warning")
        self.write_pack(self.figures.period)

    @work(thread=True, group="save")
    def write_file(self, what: str, data: bytes, name: str, suffix: str) -> None:
        self.post_message(self._saved(what, lambda: data, name, suffix))

    @work(thread=True, group="save")
    def write_pack(self, chosen: Period) -> None:
        def pdf() -> bytes:
            try:
                return review_pack(chosen, self.ctx.settings, include_safeguarding=self.with_safeguarding)
            finally:
                finished_with_database()

        self.post_message(self._saved("Review pack", pdf, f"review-pack-{chosen.start:%Y-%m-%d}", ".pdf"))

    def _saved(self, what: str, make, name: str, suffix: str) -> Message:
        try:
            path = save_private(make(), name=name, suffix=suffix, at=self.ctx.clock.now(), tz=self.ctx.settings.tz)
        except DeskError as error:
            return self.Failed(f"The {what} was not saved: {error.message}")
        except OSError as error:
            return self.Failed(f"The {what} was not saved: {error.strerror or error}. Check the disk, then "
                               "try again.")
        return self.Saved(what, path)

    @on(Saved)
    def file_saved(self, event: Saved) -> None:
        self.saved.append(event.path)
        self.query_one("#report-status", MessageLine).clear()
        self.saved_lines.append(f"✔ {event.what} saved: {event.path}")
        self.query_one("#report-saved", Static).update(Text("\n".join(self.saved_lines)))

    def action_back(self) -> None:
        self.dismiss()
