"""Reports (Ctrl+R): the figures for a day, a week, a term, the school year or any range of days, on screen; saved
privately in the kiosk's papers folder as a CSV for a spreadsheet, as a printable PDF of the whole period or of
one report (confiscations, repeat confiscations, exams, searches, desk time, safeguarding for the DSL and the
head), and as the annual review pack (policy §8).

The figures are read and the files written in worker threads; the screen only shows what they post back.
The PDF makers (reportlab) are imported only when a PDF is saved, so opening the desk does not pay for them.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Footer, Input, Label, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from kiosk.auth.roles import Permission
from kiosk.clock import local, local_today
from kiosk.config import Settings
from kiosk.custody import DeskContext, DeskError
from kiosk.custody.confiscation import ExamDetails
from kiosk.custody.queries import finished_reading
from kiosk.custody.terms import terms
from kiosk.documents.saved import save_private
from kiosk.formatting import typed_date, weekday_date_time, weekday_date_year
from kiosk.reports.period_report import PAPERS, RESTRICTED_PAPERS, ReportFigures, report_csv, report_figures
from kiosk.reports.periods import BadDate, Period, custom_period, period
from kiosk.widgets.bar_list import BarList
from kiosk.widgets.message_line import MessageLine
from kiosk.widgets.plain import plain, plain_cells
from kiosk.widgets.title_bar import TitleBar

__all__ = ["ReportFigures", "ReportsScreen", "report_csv", "report_figures"]

KINDS = {"day": "Day", "week": "Week", "term": "Term", "year": "Year", "custom": "Range"}
MORE_BELOW = "↓ more below: PgDn or scroll down"
PERIOD_KEYS = "keys: D W T Y R day, week, term, year, a range of days · [ ] before, after"
RANGE_HINT = "e.g. 3/11/2026, 2026-11-03 or 3 Nov"


# The M1's yes/no questions in its order, in the few words a table cell has room for (the exam report's paper and
# the M1 attachment word them in full: kiosk/documents/report_papers.py M1_ANSWERS).
M1_SHORT = (("switched_on", "on"), ("on_person", "on person"), ("warning_displayed", "warning shown"),
            ("information_issued", "info issued"), ("reminded_at_start", "reminded"))
# At 80 columns: When (15) and these three, with 2 cells of padding each, the body's padding and scrollbar (4)
# and the table's own scrollbar (2), fit in 80.
NARROW_PUPIL_WIDTH = 14
NARROW_EXAM_WIDTH = 18
NARROW_M1_WIDTH = 17
TABLE_OUTSIDE_CELLS = 4 + 2


def m1_answers(details: ExamDetails | None, between: str = " · ") -> str:
    """"on yes · on person no · warning shown yes · info issued ? · reminded ?": a question the school did not record
    is "?", never "no" (the examining body's form must not say no for what nobody asked)."""
    def answer(value: object) -> str:
        return "?" if value is None else "yes" if value else "no"

    return between.join(f"{words} {answer(getattr(details, name, None))}" for name, words in M1_SHORT)


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
        ("Searches", f"{s.total:,}", f"nothing found {s.nothing_found} · DSL told {s.dsl_informed} · "
                                     f"parents told {s.parent_informed}"),
        ("Time per hand-in", f"{t.seconds_per_hand_in or '—'}", "seconds on average, from the records"),
        ("Time per hand-back", f"{t.seconds_per_hand_back or '—'}", "seconds on average"),
        ("Desk minutes a day", f"{sum(minutes) / len(minutes):.1f}" if minutes else "—",
         "average over the days with scans"),
    ]
    text = Text()
    for index, (label, value, detail) in enumerate(lines):
        if index:
            text.append("\n")
        text.append(f"{label:<23}")
        text.append(f"{value:>6}", "bold")  # 6: the searches line fits 80 columns unwrapped
        if detail:
            text.append(f"  {detail}", "dim")
    return text


def shifted(kind: str, current: Period, direction: int, settings: Settings) -> date:
    """A day inside the period before (-1) or after (+1) `current`, of the same kind."""
    if kind == "day":
        return current.start + timedelta(days=direction)
    if kind == "week":
        return current.start + timedelta(days=7 * direction)
    if kind == "custom":  # the same number of days, just before or just after
        return current.start + timedelta(days=((current.end - current.start).days + 1) * direction)
    if kind == "term" and direction > 0:
        later = [start for start, _ in terms(settings) if start > current.end]
        return later[0] if later else current.end + timedelta(days=1)
    return current.start - timedelta(days=1) if direction < 0 else current.end + timedelta(days=1)


class ChoosePaper(ModalScreen[str | None]):
    """Which report to save as a PDF: Enter (or its number) saves it, Esc goes back without saving."""

    AUTO_FOCUS = "#paper-list"
    BINDINGS = [Binding("escape", "cancel", "Cancel")] + [
        Binding(str(n), f"choose({n})", show=False) for n in range(1, 10)]
    DEFAULT_CSS = """
    ChoosePaper { align: center middle; }
    ChoosePaper #paper-list { height: auto; max-height: 12; }
    """

    def __init__(self, papers: dict[str, str], period_label: str) -> None:
        super().__init__()
        self.papers = papers
        self.period_label = period_label

    def compose(self) -> ComposeResult:
        with Vertical(id="paper-dialog", classes="dialog"):
            yield Label(plain(f"Save a PDF · {self.period_label}"), classes="dialog-title", markup=False)
            yield Label("Choose the report (↑ ↓ and Enter, or its number). Esc: back, nothing saved.",
                        classes="dialog-hint", markup=False)
            yield OptionList(*(Option(f"{n}. {title}", id=key)
                               for n, (key, title) in enumerate(self.papers.items(), start=1)), id="paper-list")

    @on(OptionList.OptionSelected, "#paper-list")
    def selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_choose(self, number: int) -> None:
        keys = list(self.papers)
        if 1 <= number <= len(keys):
            self.dismiss(keys[number - 1])

    def action_cancel(self) -> None:
        self.dismiss(None)


class ReportsScreen(Screen[None]):
    """Choose the period with D, W, T, Y or R (a range of days) and [ ] for the one before or after; save with
    C (CSV), S (a PDF of the period or of one report) or P (the review pack). Esc goes back."""

    AUTO_FOCUS = "#report-body"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    BINDINGS = [
        Binding("escape", "back", "Back"),
        # The period keys are spelt out on the screen itself (PERIOD_KEYS), so the footer has room.
        Binding("d", "period('day')", "Day", show=False),
        Binding("w", "period('week')", "Week", show=False),
        Binding("t", "period('term')", "Term", show=False),
        Binding("y", "period('year')", "Year", show=False),
        Binding("r", "choose_range", "Range", show=False),
        Binding("left_square_bracket", "shift(-1)", "Earlier", show=False),
        Binding("right_square_bracket", "shift(1)", "Later", show=False),
        Binding("c", "save_csv", "Save CSV"),
        Binding("s", "save_pdf", "Save PDF"),
        Binding("p", "save_pack", "Review pack"),
    ]
    # The range row is new to this screen; its look lives here beside it (the app's stylesheet keeps the rest).
    DEFAULT_CSS = """
    #report-range { height: auto; padding: 0 1; }
    #report-range Label { width: auto; padding: 0 1 0 0; }
    #report-range Input { width: 24; margin-right: 1; }
    #report-range Button { min-width: 0; width: auto; padding: 0 1; }
    /* At 80 columns the saving buttons need the room: [ and ] still step back and forward. */
    ReportsScreen.-narrow #earlier, ReportsScreen.-narrow #later { display: none; }
    /* Hidden, not removed, when there is nothing below: the body keeps one height, so no flicker. */
    #report-more { height: 1; padding: 0 1; color: $text-warning; text-style: bold; }
    #report-more.-hidden { visibility: hidden; }
    """

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
        self.custom: Period | None = None  # the range of days, once one has been typed
        self.figures: ReportFigures | None = None
        self.saved: list[Path] = []
        self.saved_lines: list[str] = []

    @property
    def allowed(self) -> bool:
        return self.ctx.who.can(Permission.VIEW_REPORTS)

    @property
    def with_safeguarding(self) -> bool:
        return self.ctx.who.can(Permission.SAFEGUARDING)

    @property
    def papers(self) -> dict[str, str]:
        """The PDFs this role may save: the safeguarding counts only for the DSL and the head."""
        return {key: title for key, title in PAPERS.items()
                if key not in RESTRICTED_PAPERS or self.with_safeguarding}

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
            yield Button("CSV", id="save-csv", compact=True, tooltip="save a CSV for a spreadsheet (C)")
            yield Button("PDF", id="save-pdf", compact=True, tooltip="save a printable PDF (S)")
            yield Button("Review pack", id="save-pack", compact=True, tooltip="the annual review pack PDF (P)")
        with Horizontal(id="report-range"):
            yield Label("From")
            yield Input(placeholder=RANGE_HINT, id="range-from", compact=True)
            yield Label("to")
            yield Input(placeholder=RANGE_HINT, id="range-to", compact=True)
            yield Button("Show", id="range-show", compact=True)
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
        # At 80x24 the charts push the tables below the fold, and a scrollbar is easy to miss.
        yield Static(MORE_BELOW, id="report-more", classes="-hidden")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#repeats", DataTable).add_columns("Pupil", "Form", "Confiscations")
        self.query_one("#daily", DataTable).add_columns("Day", "Handed in", "Handed back", "Left overnight",
                                                        "Desk minutes")
        self.query_one("#report-safeguarding").display = False
        self.query_one("#report-range").display = False
        body = self.query_one("#report-body", VerticalScroll)
        self.watch(body, "scroll_y", lambda _: self.show_more_below(), init=False)
        self.watch(body, "virtual_size", lambda _: self.show_more_below(), init=False)
        if not self.allowed:
            # The desk does not offer this screen to other roles; if reached anyway, it shows nothing.
            self.query_one("#report-periods").display = False
            for widget in self.query_one("#report-body").children:
                widget.display = False
            self.query_one("#report-status", MessageLine).say(
                "Reports are for the office, heads of year, the DSL and the head.")
            return
        self.read()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.allowed:
            return action == "back"
        if action in ("save_csv", "save_pack", "save_pdf"):
            return self.figures is not None
        return True

    @property
    def chosen(self) -> Period:
        if self.kind == "custom" and self.custom is not None:
            return self.custom
        return period(self.kind, self.anchor, self.ctx.settings)

    # ── choosing ────────────────────────────────────────────────────────────────────────────────────────
    def action_period(self, kind: str) -> None:
        self.kind = kind
        self.anchor = local_today(self.ctx.clock, self.ctx.settings.tz)
        self.hide_range()
        self.read()

    def action_choose_range(self) -> None:
        """Show the two date boxes (what was typed before is still there) and put the cursor in the first."""
        row = self.query_one("#report-range")
        row.display = True
        first = self.query_one("#range-from", Input)
        if not first.value and self.figures is not None:
            # Start from the period on screen, so a small change is a small edit.
            first.value = typed_date(self.chosen.start)
            self.query_one("#range-to", Input).value = typed_date(self.chosen.end)
        first.focus()

    def hide_range(self) -> None:
        self.query_one("#report-range").display = False
        self.query_one("#report-body").focus()

    @on(Input.Submitted, "#range-from")
    def from_typed(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#range-to", Input).focus()

    @on(Input.Submitted, "#range-to")
    def to_typed(self, event: Input.Submitted) -> None:
        event.stop()
        self.show_range()

    def show_range(self) -> None:
        """Read the two typed dates; a bad or back-to-front range is explained and the typing is kept."""
        first, last = self.query_one("#range-from", Input), self.query_one("#range-to", Input)
        today = local_today(self.ctx.clock, self.ctx.settings.tz)
        try:
            chosen = custom_period(first.value, last.value, today=today, settings=self.ctx.settings)
        except BadDate as error:
            message = str(error)
            self.say(f"{message} The report on screen has not changed.")
            # The typing stays, selected: type over it, or ← → to mend it.
            wrong = last if message.startswith("Last day") or message.startswith("The range ends") else first
            wrong.focus()
            wrong.select_all()
            return
        self.query_one("#report-status", MessageLine).clear()
        self.custom = chosen
        self.kind = "custom"
        # Shown as understood, so "3 Dec" read as last December is plain to see.
        first.value, last.value = typed_date(chosen.start), typed_date(chosen.end)
        self.query_one("#report-range").display = False
        self.query_one("#report-body").focus()
        self.read()

    def action_shift(self, direction: int) -> None:
        today = local_today(self.ctx.clock, self.ctx.settings.tz)
        current = self.chosen
        anchor = shifted(self.kind, current, direction, self.ctx.settings)
        if self.kind == "custom":
            length = current.end - current.start
            following = period("custom", today, self.ctx.settings, start=anchor, end=anchor + length)
        else:
            following = period(self.kind, anchor, self.ctx.settings)
        if following == current or following.start > today:
            self.say("There is no later period with records yet.", "warning")
            return
        if self.kind == "custom":
            self.custom = following
            self.query_one("#range-from", Input).value = typed_date(following.start)
            self.query_one("#range-to", Input).value = typed_date(following.end)
        self.anchor = anchor
        self.read()

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        event.stop()
        button = event.button.id or ""
        if button == "period-custom":
            self.action_choose_range()
        elif button.startswith("period-"):
            self.action_period(button.removeprefix("period-"))
        elif button in ("earlier", "later"):
            self.action_shift(-1 if button == "earlier" else 1)
        elif button == "range-show":
            self.show_range()
        elif button == "save-csv":
            self.action_save_csv()
        elif button == "save-pdf":
            self.action_save_pdf()
        elif button == "save-pack":
            self.action_save_pack()

    def say(self, message: str, severity: str = "refused") -> None:
        self.query_one("#report-status", MessageLine).say(message, severity)

    # ── reading, in a worker thread ─────────────────────────────────────────────────────────────────────
    def read(self) -> None:
        chosen = self.chosen
        self.figures = None
        self.refresh_bindings()
        self.query_one("#report-heading", Static).update(plain(f"REPORTS · {chosen.label} · reading…"))
        for kind in KINDS:
            self.query_one(f"#period-{kind}", Button).variant = "primary" if kind == self.kind else "default"
        self.read_figures(chosen, self.kind)

    @work(thread=True, exclusive=True, group="report")
    def read_figures(self, chosen: Period, kind: str) -> None:
        worker = get_current_worker()
        message: Message
        try:
            message = self.Computed(report_figures(chosen, kind, self.ctx.settings,
                                                   include_safeguarding=self.with_safeguarding,
                                                   today=local_today(self.ctx.clock, self.ctx.settings.tz)))
        except DeskError as error:
            message = self.Failed(error.message)
        finally:
            finished_reading()  # this worker thread's own connection
        if not worker.is_cancelled:
            self.post_message(message)

    @on(Computed)
    def computed(self, event: Computed) -> None:
        f = event.figures
        if f.period != self.chosen:
            return  # an earlier choice, overtaken
        self.figures = f
        self.refresh_bindings()
        self.query_one("#report-heading", Static).update(plain(f"REPORTS · {f.period.label}"))
        self.query_one("#report-summary", Static).update(plain(summary_text(f)))
        guarding = self.query_one("#report-safeguarding", Static)
        guarding.display = f.safeguarding is not None
        if f.safeguarding is not None:
            guarding.update(plain(Text.assemble(("Safeguarding (counts only; DSL and head): ", "bold"),
                                          " · ".join(f"{what} {n}" for what, n in f.safeguarding.items()))))
        c = f.confiscations
        self.query_one("#by-reason", BarList).show(list(c.by_reason.items()))
        self.query_one("#by-year", BarList).show(list(c.by_year.items()))
        self.query_one("#by-form", BarList).show(list(c.by_form.items()))
        repeats = self.query_one("#repeats", DataTable)
        repeats.clear()
        for name, form, n in c.repeat_pupils:
            repeats.add_row(*plain_cells(name, form, n))
        exams = self.query_one("#exams", DataTable)
        self.show_exams(exams, f)
        daily = self.query_one("#daily", DataTable)
        daily.clear()
        today = local_today(self.ctx.clock, self.ctx.settings.tz)
        for d in f.days:
            if d.day > today:
                break  # days still to come have no figures yet: zeros there would read as an empty day
            minutes = f.desk.minutes_per_day.get(d.day)
            # A day or a week lists every weekday; a term, a year or a range only the days something happened.
            if d.handed_in or d.handed_back or d.left_uncollected or (d.day.weekday() < 5
                                                                      and f.kind in ("day", "week")):
                daily.add_row(f"{weekday_date_year(d.day)}", d.handed_in, d.handed_back, d.left_uncollected,
                              f"{minutes:.1f}" if minutes else "—")
        for table, title, empty in ((repeats, "Repeat confiscations", "nobody more than once"),
                                    (exams, "Phones found in exams", "none"), (daily, "Day by day", "no records")):
            table.display = table.row_count > 0
            self.query_one(f"#{table.id}-title", Label).update(plain(
                f"{title} ({table.row_count})" if table.row_count else f"{title}: {empty}"))

        self.call_after_refresh(self.show_more_below)

    def show_exams(self, exams: DataTable[object], f: ReportFigures) -> None:
        """The JCQ M1's columns, as the exam report has them: board, paper code, candidate number, invigilator and
        the M1's yes/no answers, which wrap in the room the other columns leave. Where that is too little (80
        columns), the exam's particulars share one column, a line each: no sideways scrolling, nothing cut off
        (the room is on the report's paper)."""
        tz = self.ctx.settings.tz
        rows = [[weekday_date_time(local(e.at, tz)), e.pupil, e.form, e.board or "—", e.paper or "—",
                 e.candidate_number or "—", e.invigilator or "—", e.room or "—"] for e in f.exams]
        labels = ["When", "Pupil", "Form", "Board", "Paper", "Cand. no.", "Invigilator", "Room"]
        widths = [max(len(str(cell)) for cell in column) for column in zip(labels, *rows, strict=False)]
        room_for_answers = self.size.width - TABLE_OUTSIDE_CELLS - sum(w + 2 for w in widths) - 2
        exams.clear(columns=True)
        if room_for_answers >= NARROW_M1_WIDTH:
            exams.add_columns(*labels)
            exams.add_column("M1 answers", width=room_for_answers)
            for e, row in zip(f.exams, rows, strict=True):
                exams.add_row(*plain_cells(*row, m1_answers(e.details)), height=None)
            return
        exams.add_column("When")
        exams.add_column("Pupil", width=NARROW_PUPIL_WIDTH)
        exams.add_column("Exam", width=NARROW_EXAM_WIDTH)
        exams.add_column("M1 answers", width=NARROW_M1_WIDTH)
        for e, row in zip(f.exams, rows, strict=True):
            exam = Text(f"{e.board or '—'} {e.paper or '—'}\ncand. no. {e.candidate_number or '—'}"
                        f"\n{e.invigilator or 'invigilator —'}")
            exams.add_row(*plain_cells(row[0], f"{e.pupil} · {e.form}", exam, Text(m1_answers(e.details, "\n"))),
                          height=None)

    def on_resize(self) -> None:
        self.call_after_refresh(self.show_more_below)

    def show_more_below(self) -> None:
        body = self.query_one("#report-body", VerticalScroll)
        self.query_one("#report-more").set_class(body.scroll_y >= body.max_scroll_y, "-hidden")

    @on(Failed)
    def failed(self, event: Failed) -> None:
        self.say(event.message)
        self.query_one("#report-heading", Static).update(plain(f"REPORTS · {self.chosen.label}"))

    # ── saving, in a worker thread ──────────────────────────────────────────────────────────────────────
    @staticmethod
    def file_stem(what: str, figures: ReportFigures) -> str:
        """e.g. report-week-2026-11-30, report-confiscations-custom-2026-09-01-to-2026-11-03."""
        p = figures.period
        dates = f"{p.start:%Y-%m-%d}" + (f"-to-{p.end:%Y-%m-%d}" if figures.kind == "custom" else "")
        return f"{what}-{figures.kind}-{dates}"

    def action_save_csv(self) -> None:
        if self.figures is None:
            return
        self.say("Saving the CSV…", "warning")
        self.write_file("CSV", report_csv(self.figures, self.ctx.settings.tz).encode("utf-8-sig"),
                        self.file_stem("report", self.figures), ".csv")

    def action_save_pdf(self) -> None:
        figures = self.figures
        if figures is None:
            return

        def chosen(which: str | None) -> None:
            # The figures on screen when the list was opened: what the office saw is what is printed.
            if which is not None and which in self.papers:
                self.say(f"Saving the PDF: {PAPERS[which].lower()}…", "warning")
                self.write_paper(which, figures)

        self.app.push_screen(ChoosePaper(self.papers, figures.period.label), chosen)

    def action_save_pack(self) -> None:
        if self.figures is None:
            return
        self.say("Making the review pack (a few seconds for a whole year)…", "warning")
        self.write_pack(self.figures.period)

    @work(thread=True, group="save")
    def write_file(self, what: str, data: bytes, name: str, suffix: str) -> None:
        self.post_message(self._saved(what, lambda: data, name, suffix))

    @work(thread=True, group="save")
    def write_paper(self, which: str, figures: ReportFigures) -> None:
        from kiosk.documents.report_papers import paper_for

        def pdf() -> bytes:
            return paper_for(which, figures, self.ctx.settings, made_at=self.ctx.clock.now())

        self.post_message(self._saved(f"PDF ({PAPERS[which].lower()})", pdf, self.file_stem(f"report-{which}",
                                                                                          figures), ".pdf"))

    @work(thread=True, group="save")
    def write_pack(self, chosen: Period) -> None:
        from kiosk.reports.review_pack import review_pack

        def pdf() -> bytes:
            try:
                return review_pack(chosen, self.ctx.settings, include_safeguarding=self.with_safeguarding,
                                   today=local_today(self.ctx.clock, self.ctx.settings.tz),
                                   notes_key=self.ctx.keyring.notes_key if self.with_safeguarding else None)
            finally:
                finished_reading()

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
        self.query_one("#report-saved", Static).update(plain(Text("\n".join(self.saved_lines))))

    def action_back(self) -> None:
        # Esc in the range boxes closes them (what was typed stays for next time); Esc elsewhere goes back.
        if self.query_one("#report-range").display and self.focused in self.query("#report-range Input"):
            self.hide_range()
            return
        self.dismiss()
