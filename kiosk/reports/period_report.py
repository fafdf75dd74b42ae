"""One period's report: every figure the Reports screen shows, read together, and its CSV for a spreadsheet.

The same figures make the screen, `kiosk report summary`, the CSV and the PDF, so they always agree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from kiosk.clock import local
from kiosk.config import Settings
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
from kiosk.reports.periods import Period

# The reports that can be saved on their own as a PDF (kiosk.documents.report_papers; the Reports screen's
# "Save PDF" list and `kiosk report … --pdf`), in the office's words.
PAPERS = {
    "period": "Everything for the period",
    "daily": "Day by day",
    "confiscations": "Confiscations by reason, year group and form",
    "repeats": "Repeat confiscations",
    "exams": "Phones found in exams",
    "searches": "Searches",
    "desk-time": "Time at the desk",
    "safeguarding": "Safeguarding (counts only)",
}
RESTRICTED_PAPERS = frozenset({"safeguarding"})  # DSL and head only (Permission.SAFEGUARDING)


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


def report_figures(p: Period, kind: str, settings: Settings, *, include_safeguarding: bool,
                   today: date | None = None) -> ReportFigures:
    """`include_safeguarding` only for a role with Permission.SAFEGUARDING: the caller checks it."""
    return ReportFigures(p, kind, daily_lines(p, settings, today=today), confiscation_figures(p, settings),
                         exam_incidents(p, settings), search_figures(p, settings),
                         desk_time(p, settings, today=today),
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
              " ".join(filter(None, (f"{local(e.at, tz):%Y-%m-%d %H:%M}", e.board, e.paper, e.room,
                                    f"candidate {e.candidate_number}" if e.candidate_number else "",
                                    f"invigilator {e.invigilator}" if e.invigilator else ""))), 1] for e in f.exams]
    s = f.searches
    rows += [["searches", "all", "count", s.total], ["searches", "all", "nothing found", s.nothing_found],
             ["searches", "all", "DSL informed", s.dsl_informed],
             ["searches", "all", "parent informed", s.parent_informed]]
    t = f.desk
    rows += [["desk time", "hand-ins", "count", t.hand_ins], ["desk time", "hand-backs", "count", t.hand_backs],
             ["desk time", "hand-in", "average seconds", t.seconds_per_hand_in or ""],
             ["desk time", "hand-back", "average seconds", t.seconds_per_hand_back or ""]]
    if f.safeguarding is not None:
        rows += [["safeguarding (counts only)", what, "count", n] for what, n in f.safeguarding.items()]
    return to_csv(["section", "item", "measure", "value"], rows)
