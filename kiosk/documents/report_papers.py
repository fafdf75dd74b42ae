"""Printable PDFs of the reports: the whole period (day, week, term or range) and each report on its own
(day by day, confiscations, repeat confiscations, phones found in exams, searches, safeguarding, desk time).

Each paper is built from the same figures as the screen, the CSV and `kiosk report`, so they always agree.
The safeguarding paper is counts only and for the DSL and the head: the caller checks the permission.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from kiosk.clock import local
from kiosk.config import Settings
from kiosk.documents.pdf import Document
from kiosk.errors import NotPermitted
from kiosk.formatting import day_month_year_time, long_date, weekday_date_year, weekday_date_year_time
from kiosk.reports.figures import (
    ConfiscationFigures,
    DailyLine,
    DeskTime,
    ExamIncident,
    SearchFigures,
    totals_by_board,
)
from kiosk.reports.period_report import PAPERS, ReportFigures
from kiosk.reports.periods import Period

# The M1's yes/no questions, in its order, as ExamDetails names them.
M1_ANSWERS = (("switched_on", "Phone switched on"), ("on_person", "On the candidate's person"),
              ("warning_displayed", "Warning to Candidates displayed"),
              ("information_issued", "Information for Candidates issued"),
              ("reminded_at_start", "Reminded of the rules at the start"))


def _paper(title: str, p: Period, settings: Settings, made_at: datetime | None) -> Document:
    doc = Document(f"{title}: {p.label}", settings.school_name)
    made = f" Printed {day_month_year_time(local(made_at, settings.tz))}." if made_at else ""
    doc.para(f"From the phone custody kiosk's records, {long_date(p.start)} to {long_date(p.end)}.{made}",
             size=9)
    return doc


def _facts(doc: Document, rows: Sequence[tuple[str, str]]) -> None:
    """Report labels are long and the figures short: the label gets most of the line, so neither wraps."""
    doc.facts(rows, label_mm=110)


def _minutes(value: float | None) -> str:
    return f"{value:.1f}" if value else "—"


# ── the sections (each paper is one or more of these) ───────────────────────────────────────────────────────
def _daily(doc: Document, lines: Sequence[DailyLine], desk: DeskTime | None, *, every_weekday: bool) -> None:
    shown = [d for d in lines if d.handed_in or d.handed_back or d.left_uncollected
             or (every_weekday and d.day.weekday() < 5)]
    rows: list[list[object]] = [[f"{weekday_date_year(d.day)}", d.handed_in, d.handed_back, d.left_uncollected]
                                + ([_minutes(desk.minutes_per_day.get(d.day))] if desk else []) for d in shown]
    if shown:
        rows.append(["Total", sum(d.handed_in for d in lines), sum(d.handed_back for d in lines),
                     sum(d.left_uncollected for d in lines)]
                    + ([_minutes(sum(desk.minutes_per_day.values()))] if desk else []))
    header = ["Day", "Handed in", "Handed back", "Left overnight"] + (["Desk minutes"] if desk else [])
    doc.table(header, rows, widths_mm=[50, 28, 28, 30] + ([28] if desk else []), wrap=False)


def _confiscations(doc: Document, c: ConfiscationFigures) -> None:
    _facts(doc, [("Confiscations", f"{c.total:,}"), ("Released to a parent or carer", f"{c.released:,}"),
               ("Still held", f"{c.still_held:,}"),
               ("Median time held before release",
                f"{c.median_hours_held} hours" if c.median_hours_held is not None else "—")])
    for title, first, counts in (("By reason", "Reason", c.by_reason), ("By year group", "Year group", c.by_year),
                                 ("By form", "Form", c.by_form)):
        doc.heading(title)
        doc.table([first, "Confiscations", "Share"],
                  [[what, n, f"{100 * n / c.total:.0f}%"] for what, n in counts.items()], widths_mm=[80, 35, 25])


def _repeats(doc: Document, c: ConfiscationFigures) -> None:
    three = sum(1 for _name, _form, n in c.repeat_pupils if n >= 3)
    doc.para(f"{len(c.repeat_pupils)} pupil{'s' * (len(c.repeat_pupils) != 1)} had a phone confiscated twice or "
             f"more in this period ({three} three times or more).")
    # Names are short enough for 80 mm on one line; a long list (a year) is quicker set as plain text.
    doc.table(["Pupil", "Form", "Confiscations"], [[name, form, n] for name, form, n in c.repeat_pupils],
              widths_mm=[80, 30, 30], wrap=False)


def yes_no(value: bool | None) -> str:
    """A yes/no the examining body asks for; one the school did not record is said so, never "no"."""
    return "not recorded" if value is None else ("yes" if value else "no")


def _exams(doc: Document, exams: Sequence[ExamIncident], settings: Settings) -> None:
    doc.para("Each phone found in an exam is reported to the examining body.", size=9)
    doc.table(["When", "Pupil", "Form", "Exam board", "Paper", "Room"],
              [[f"{weekday_date_year_time(local(e.at, settings.tz))}", e.pupil, e.form, e.board or "—", e.paper or "—",
                e.room or "—"] for e in exams], widths_mm=[44, 40, 14, 22, 26, 24])
    doc.heading("Totals per exam board")
    doc.table(["Exam board", "Phones found"], [[board, n] for board, n in totals_by_board(exams).items()]
              + ([["Total", len(exams)]] if exams else []), widths_mm=[80, 35])
    # The examining body's form (JCQ M1) asks for the rest, captured at confiscation: one block per phone (a table
    # of every column does not fit a portrait page without wrapping every cell). `kiosk report m1 --custody N`
    # prints one incident's M1 attachment.
    doc.heading("For the examining body's report (JCQ M1)")
    if not exams:
        doc.para("None.")
    for e in exams:
        exam = e.details
        doc.para(f"{e.pupil} ({e.form}), {weekday_date_year_time(local(e.at, settings.tz))}, "
                 f"{e.board or 'exam board not recorded'}: record {e.custody_id}", size=10)
        doc.facts([("Candidate number", e.candidate_number or "not recorded"),
                   ("Centre number", (exam.centre_number if exam else "") or settings.exam_centre_number
                    or "not recorded"),
                   ("Paper", " — ".join(filter(None, [e.paper, exam.paper_title if exam else ""])) or "—"),
                   ("Invigilator", e.invigilator or "not recorded"),
                   ("Time found", (exam.time_found if exam else "") or "not recorded"),
                   *((label, yes_no(getattr(exam, name, None))) for name, label in M1_ANSWERS)], label_mm=90)
        doc.space(3)


def _searches(doc: Document, s: SearchFigures) -> None:
    _facts(doc, [("Searches recorded", f"{s.total:,}"), ("Nothing found", f"{s.nothing_found:,}"),
               ("DSL (designated safeguarding lead) informed", f"{s.dsl_informed:,}"),
               ("Parent or carer informed", f"{s.parent_informed:,}")])


def _desk_time(doc: Document, t: DeskTime) -> None:
    minutes = list(t.minutes_per_day.values())
    doc.para("Measured from the records: the gap between one scan and the one before it at the same desk "
             "(a gap over 90 seconds is a pause, not time spent on a phone).", size=9)
    _facts(doc, [("Hand-ins", f"{t.hand_ins:,}"), ("Hand-backs", f"{t.hand_backs:,}"),
               ("Seconds per hand-in", f"{t.seconds_per_hand_in or '—'}"),
               ("Seconds per hand-back", f"{t.seconds_per_hand_back or '—'}"),
               ("Desk minutes a day (average over days with scans)",
                f"{sum(minutes) / len(minutes):.1f}" if minutes else "—")])
    doc.heading("Minutes at the desk, day by day")
    doc.table(["Day", "Minutes"], [[f"{weekday_date_year(day)}", f"{m:.1f}"] for day, m in t.minutes_per_day.items()],
              widths_mm=[60, 30], wrap=False)


def _safeguarding(doc: Document, counts: dict[str, int]) -> None:
    doc.para("Counts only: no names and no notes. For the designated safeguarding lead and the head.", size=9)
    _facts(doc, [(what.capitalize(), f"{n:,}") for what, n in counts.items()])


# ── the papers ──────────────────────────────────────────────────────────────────────────────────────────────
def period_report_pdf(f: ReportFigures, settings: Settings, *, made_at: datetime | None = None) -> bytes:
    """Everything the Reports screen shows for the period, in the same order."""
    doc = _paper("Phones report", f.period, settings, made_at)
    c = f.confiscations
    doc.heading("At a glance")
    _facts(doc, [("Phones handed in", f"{f.handed_in:,} over {f.school_days} school "
                                    f"day{'s' * (f.school_days != 1)}"),
               ("Phones handed back", f"{f.handed_back:,}"), ("Left overnight", f"{f.left_uncollected:,}"),
               ("Confiscations", f"{c.total:,} (released {c.released:,}, still held {c.still_held:,})"),
               ("Pupils confiscated from twice or more", f"{len(c.repeat_pupils):,}"),
               ("Phones found in exams", f"{len(f.exams):,}"), ("Searches", f"{f.searches.total:,}")])
    if f.safeguarding is not None:
        doc.heading("Safeguarding (counts only)")
        _safeguarding(doc, f.safeguarding)
    doc.heading("Day by day")
    _daily(doc, f.days, f.desk, every_weekday=f.kind in ("day", "week"))
    doc.heading("Confiscations")
    _confiscations(doc, c)
    doc.heading("Repeat confiscations")
    _repeats(doc, c)
    doc.heading("Phones found in exams")
    _exams(doc, f.exams, settings)
    doc.heading("Searches")
    _searches(doc, f.searches)
    doc.heading("Time at the desk")
    _desk_time(doc, f.desk)
    return doc.render()


def daily_pdf(p: Period, lines: Sequence[DailyLine], settings: Settings, *, desk: DeskTime | None = None,
              made_at: datetime | None = None) -> bytes:
    doc = _paper("Phones day by day", p, settings, made_at)
    _daily(doc, lines, desk, every_weekday=(p.end - p.start).days < 7)
    return doc.render()


def confiscations_pdf(p: Period, c: ConfiscationFigures, settings: Settings, *,
                      made_at: datetime | None = None) -> bytes:
    doc = _paper("Confiscations", p, settings, made_at)
    _confiscations(doc, c)
    doc.heading("Repeat confiscations")
    _repeats(doc, c)
    return doc.render()


def repeats_pdf(p: Period, c: ConfiscationFigures, settings: Settings, *, made_at: datetime | None = None) -> bytes:
    doc = _paper("Repeat confiscations", p, settings, made_at)
    _repeats(doc, c)
    return doc.render()


def exams_pdf(p: Period, exams: Sequence[ExamIncident], settings: Settings, *,
              made_at: datetime | None = None) -> bytes:
    doc = _paper("Phones found in exams", p, settings, made_at)
    _exams(doc, exams, settings)
    return doc.render()


def searches_pdf(p: Period, s: SearchFigures, settings: Settings, *, made_at: datetime | None = None) -> bytes:
    doc = _paper("Searches", p, settings, made_at)
    _searches(doc, s)
    return doc.render()


def desk_time_pdf(p: Period, t: DeskTime, settings: Settings, *, made_at: datetime | None = None) -> bytes:
    doc = _paper("Time at the desk", p, settings, made_at)
    _desk_time(doc, t)
    return doc.render()


def safeguarding_pdf(p: Period, counts: dict[str, int], settings: Settings, *,
                     made_at: datetime | None = None) -> bytes:
    """Only for a role with Permission.SAFEGUARDING: the caller checks it before reading the counts."""
    doc = _paper("Safeguarding holds", p, settings, made_at)
    _safeguarding(doc, counts)
    return doc.render()


def paper_for(which: str, f: ReportFigures, settings: Settings, *, made_at: datetime | None = None) -> bytes:
    """One of PAPERS, from the period's figures (as the Reports screen holds them)."""
    p, c = f.period, f.confiscations
    if which == "period":
        return period_report_pdf(f, settings, made_at=made_at)
    if which == "daily":
        return daily_pdf(p, f.days, settings, desk=f.desk, made_at=made_at)
    if which == "confiscations":
        return confiscations_pdf(p, c, settings, made_at=made_at)
    if which == "repeats":
        return repeats_pdf(p, c, settings, made_at=made_at)
    if which == "exams":
        return exams_pdf(p, f.exams, settings, made_at=made_at)
    if which == "searches":
        return searches_pdf(p, f.searches, settings, made_at=made_at)
    if which == "desk-time":
        return desk_time_pdf(p, f.desk, settings, made_at=made_at)
    if which == "safeguarding":
        if f.safeguarding is None:
            raise NotPermitted("Safeguarding figures are for the DSL and the head.")
        return safeguarding_pdf(p, f.safeguarding, settings, made_at=made_at)
    raise ValueError(f"unknown report {which!r}: one of {', '.join(PAPERS)}")
