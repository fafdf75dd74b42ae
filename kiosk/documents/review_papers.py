"""The annual review pack and the inspection summary as PDFs: the figures of kiosk/reports/review_figures.py
laid out as a head would put them in front of governors or hand them to an inspector. Counts, never names."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from kiosk.documents.charts import bar_chart, sideways_bar_chart
from kiosk.documents.pdf import Document, chart_font
from kiosk.formatting import day_month, long_date, long_date_time, short_date, weekday_date
from kiosk.reports.review_figures import NOT_RECORDED, STUDY_HOURS_A_WEEK, GroupShare, ReviewFigures
from kiosk.reports.review_impact import Comparison

GREY = colors.HexColor("#555555")
# A table of up to this many rows is kept on one page (a year group table, the ladder); a longer one (every form of
# a large school) runs on, its header repeated.
KEEP_WHOLE = 25


@dataclass(frozen=True)
class RecordsCheck:
    """`kiosk audit verify` run when the paper was made: its outcome and the chain head it reached."""

    checked_at: datetime
    ok: bool
    events_checked: int
    problems: int
    head_seq: int
    head_chain: str


def _n(value: float | int | None, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}{unit}"
    return f"{int(value):,}{unit}"


def _desk_time(seconds: float | None) -> str:
    """Staff time as people say it: minutes under an hour (a small school's week), hours above."""
    if seconds is None:
        return "—"
    if seconds < 60:
        return "under a minute" if seconds > 0 else "none"
    if seconds < 3600:
        minutes = round(seconds / 60)
        return f"{minutes} minute{'s' * (minutes != 1)}"
    return f"{_n(round(seconds / 3600, 1))} hours"


def _unmeasured(w: Any) -> str:
    """Desk time that could not be measured: no scans, or none close enough to the one before to time."""
    if not (w.hand_ins or w.hand_backs):
        return "none: no phones were scanned at the desk"
    return "not measured: no two scans at a desk came close enough together to time"


def _per(seconds: float, count: int) -> float | None:
    return seconds / count if count else None


def _plural(n: int, word: str) -> str:
    return f"{_n(n)} {word}{'s' * (n != 1)}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def _share_rows(groups: Sequence[GroupShare]) -> list[list[object]]:
    return [[g.name, _n(g.on_roll), _n(g.handed_in), _pct(g.share)] for g in groups]


def _per_hundred(g: GroupShare) -> str:
    return "—" if not g.on_roll else f"{100 * g.handed_in / g.on_roll:.1f}"


def _kind_words(kind: str) -> str:
    return kind[:1].upper() + kind[1:] if kind else NOT_RECORDED


class _Pack:
    """A Document with page breaks, sections kept with their first table or chart, and a footer on each page."""

    def __init__(self, title: str, school: str) -> None:
        self.doc = Document(title, school)

    def section(self, number: int, title: str, first: Any = None) -> None:
        self.doc.flowable(CondPageBreak(45 * mm))
        self.doc.heading(f"{number}. {title}")

    def note(self, text: str) -> None:
        regular = chart_font()
        self.doc.flowable(Paragraph(escape(text), ParagraphStyle("n", fontName=regular, fontSize=8.5, leading=11,
                                                                 textColor=GREY, spaceAfter=4)))

    def chart(self, drawing: Any) -> None:
        self.doc.flowable(KeepTogether([Spacer(1, 3 * mm), drawing]))

    def weekly_chart(self, title: str, weeks: Sequence[tuple[date, float]], *, empty: str, **options: Any) -> None:
        """A week-by-week chart, or a sentence instead where a chart would show nothing (every week 0) or a single
        week (one bar across the page: the table says it better)."""
        if not any(n for _, n in weeks):
            self.note(f"{title}: {empty}")
        elif len(weeks) < 2:
            self.note(f"{title}: one week only, so no chart; the tables give its figures.")
        else:
            self.chart(bar_chart(title, [day_month(m) for m, _ in weeks], [n for _, n in weeks], **options))

    def table(self, header: Sequence[str], rows: Sequence[Sequence[object]], widths_mm: Sequence[float],
              *, wrap: bool = True, note: str = "") -> None:
        """A table that is never split with its header or a row or two alone on a page: up to KEEP_WHOLE rows it
        moves whole to the next page (with its note); a longer one starts only where a few rows fit."""
        self.doc.table(header, rows, widths_mm, wrap=wrap)
        items = [self.doc.blocks.pop()]
        if note:
            self.note(note)
            items.append(self.doc.blocks.pop())
        if len(rows) <= KEEP_WHOLE:
            self.doc.flowable(KeepTogether(items))
        else:
            self.doc.flowable(CondPageBreak(40 * mm))
            self.doc.blocks.extend(items)


def _render(doc: Document, footer: str) -> bytes:
    """Document.render with a footer on every page: the school, what the paper is, and 'page N'."""
    regular, bold = "KioskSans", "KioskSans-Bold"
    chart_font()  # the fonts registered
    buffer = io.BytesIO()
    template = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm,
                                 bottomMargin=20 * mm, title=doc.title, author=doc.school)

    def on_page(canvas: Any, _doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(regular, 8)
        canvas.setFillColor(GREY)
        canvas.drawString(20 * mm, 10 * mm, footer)
        canvas.drawRightString(A4[0] - 20 * mm, 10 * mm, f"page {canvas.getPageNumber()}")
        canvas.restoreState()

    header = [Paragraph(escape(doc.school), ParagraphStyle("s", fontName=regular, fontSize=10, textColor=GREY)),
              Paragraph(escape(doc.title), ParagraphStyle("t", fontName=bold, fontSize=16, leading=20,
                                                          spaceAfter=8))]
    template.build(header + doc.blocks, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()


def review_pack_pdf(f: ReviewFigures, comparisons: Sequence[Comparison], *, school: str, made_at: datetime,
                    next_review: date) -> bytes:
    p = f.period
    pack = _Pack(f"Mobile phone policy: annual review pack, {p.label}", school)
    doc = pack.doc
    c, con, r, w = f.consistency, f.confiscations, f.releases, f.workload
    so_far = f" (the records as they stand on {long_date(f.made_on)})" if f.made_on <= p.end else ""
    doc.para(f"Figures from the phone custody kiosk's records, {long_date(p.start)} to {long_date(p.end)}{so_far}, "
             "for the annual review of the Mobile and Smart Technology Policy (§8). Pupils are counted, never "
             "named. Year groups and forms are as the roll stands now.")
    doc.heading("The period at a glance")
    year = comparisons[0] if comparisons else None
    trend = {ch.measure: ch for ch in year.changes} if year and year.comparable else {}

    def with_trend(value: str, measure: str) -> str:
        ch = trend.get(measure)
        return f"{value}   {ch.words} against a year before" if ch else value

    doc.facts([
        ("School days with hand-ins", _n(c.school_days)),
        ("Phones handed in", with_trend(f"{_n(c.handed_in)} ({_n(c.per_day)} a school day)",
                                        "Phones handed in per school day")),
        ("Hand-ins as a share of pupils on roll", _pct(c.share)),
        ("Left uncollected overnight", with_trend(_n(c.left_overnight), "Left uncollected overnight")),
        ("Confiscations", with_trend(f"{_n(con.total)} (released {_n(con.released)}, still held "
                                     f"{_n(con.still_held)})", "Confiscations")),
        ("Pupils confiscated from twice or more",
         with_trend(f"{_n(con.pupils_twice + con.pupils_three_or_more)} of {_n(con.pupils)} "
                    f"({_pct(con.repeat_rate)})" if con.pupils else "none (no confiscations)",
                    "Pupils confiscated from twice or more")),
        ("Searches recorded", with_trend(_n(f.searches.total), "Searches")),
        ("Office time at the desk", f"{_desk_time(w.seconds)} ({_desk_time(_per(w.seconds, w.school_weeks))} a "
                                    "school week)" if w.seconds else _unmeasured(w)),
    ], label_mm=72)
    sixth = "Safeguarding and searches" if f.safeguarding is not None else "Searches"
    doc.space(2)
    doc.para("Sections: 1 Consistency · 2 Confiscations · 3 Repeats and the escalation ladder · 4 Released to "
             f"whom · 5 Impact over time · 6 {sixth} · 7 Exams · 8 Workload · 9 Exceptions · "
             "10 Commentary, actions and the next review.", size=9)

    # 1. Consistency ---------------------------------------------------------------------------------------------
    pack.section(1, "Consistency: is the policy followed everywhere?")
    pack.note("Share = phones handed in ÷ (pupils on roll × school days). A low share for a year group or form "
              "is where the policy is least followed (or where pupils have no phone: the records cannot tell).")
    # Every week from the first to the last day the records reach (holiday weeks stay empty), as in the other
    # weekly charts, so the weeks line up from chart to chart.
    last_day = min(p.end, f.made_on)
    weeks: dict[date, tuple[int, int]] = {monday: (0, 0) for monday, _ in _weeks_to(con.by_week, last_day)}
    for d in c.days:
        monday = d.day - timedelta(days=d.day.weekday())
        handed, roll = weeks.get(monday, (0, 0))
        weeks[monday] = (handed + d.handed_in, roll + d.on_roll)
    pack.weekly_chart("Hand-ins as a share of pupils on roll, week by week",
                      [(m, round(100 * weeks[m][0] / weeks[m][1], 1) if weeks[m][1] else 0) for m in sorted(weeks)],
                      empty="no phones were handed in during the period.", unit="%", whole=False, value_labels=False)
    pack.table(["Year group", "On roll", "Phones handed in", "Share of roll"], _share_rows(c.by_year),
               widths_mm=[50, 35, 45, 40], wrap=False)
    doc.space(3)
    pack.table(["Form", "On roll", "Phones handed in", "Share of roll"], _share_rows(c.by_form),
               widths_mm=[50, 35, 45, 40], wrap=False)
    doc.space(3)
    pack.table(["Lowest days", "Phones handed in", "On roll", "Share of roll"],
               [[weekday_date(d.day), _n(d.handed_in), _n(d.on_roll), _pct(d.share)] for d in c.lowest_days()],
               widths_mm=[50, 45, 35, 40])
    pack.weekly_chart("Phones left uncollected overnight, week by week", _weeks_to(c.overnight_by_week, last_day),
                      empty="no phone was left in the office overnight during the period.", value_labels=False,
                      height_mm=45)

    # 2. Confiscations -----------------------------------------------------------------------------------------
    pack.section(2, "Confiscations")
    pack.table(["Term", "Confiscations"], [[label, _n(n)] for label, n in con.per_term] + [["Whole period",
                                                                                           _n(con.total)]],
               widths_mm=[80, 40], wrap=False)
    pack.weekly_chart("Confiscations per week", _weeks_to(con.by_week, last_day),
                      empty="no phone was confiscated during the period.", value_labels=False)
    if con.by_reason:
        pack.chart(sideways_bar_chart("Confiscations by reason", [k for k, _ in con.by_reason],
                                      [n for _, n in con.by_reason]))
    pack.table(["Year group", "On roll", "Confiscations", "Per 100 pupils"],
               [[g.name, _n(g.on_roll), _n(g.handed_in), _per_hundred(g)] for g in con.by_year],
               widths_mm=[50, 35, 45, 40], wrap=False)
    doc.space(3)
    pack.table(["Form", "On roll", "Confiscations", "Per 100 pupils"],
               [[g.name, _n(g.on_roll), _n(g.handed_in), _per_hundred(g)] for g in con.by_form if g.handed_in],
               widths_mm=[50, 35, 45, 40], wrap=False, note="Forms with no confiscation are left out of this table.")

    # 3. Repeats and the ladder --------------------------------------------------------------------------------
    pack.section(3, "Repeat confiscations and the escalation ladder")
    pack.table(["Pupils whose phone was confiscated", "Pupils", "Share"],
               [["once", _n(con.pupils_once), _pct(100 * con.pupils_once / con.pupils if con.pupils else None)],
               ["twice", _n(con.pupils_twice), _pct(100 * con.pupils_twice / con.pupils if con.pupils else None)],
               ["three times or more", _n(con.pupils_three_or_more),
                _pct(100 * con.pupils_three_or_more / con.pupils if con.pupils else None)],
               ["all", _n(con.pupils), ""]], widths_mm=[90, 35, 35], wrap=False)
    doc.space(3)
    pack.table(["Rung (confiscation this term)", "What it means", "Confiscations", "Pupils who reached it",
               "Median days held"],
               [[f"{rung.reached_from}{_ordinal(rung.reached_from)} and after" if i == len(con.ladder) - 1 else
                f"{rung.reached_from}{_ordinal(rung.reached_from)}", rung.words, _n(rung.confiscations),
                _n(rung.pupils), _n(rung.median_days_held)] for i, rung in enumerate(con.ladder)],
               widths_mm=[28, 56, 30, 30, 26],
               note="Days held: from confiscation to release, for phones released; one day is 24 hours.")

    # 4. Released to whom --------------------------------------------------------------------------------------
    pack.section(4, "Released to whom")
    pack.table(["Collected by", "Phones"],
               [["a parent or carer with parental responsibility", _n(r.to_parental_responsibility)],
               ["a listed contact without parental responsibility (seen and confirmed at the desk)",
                _n(r.to_listed_contact_without_pr)],
               ["someone not on the contact list, authorised by the head or DSL", _n(r.to_authorised_other)],
               ["not recorded (released before the kiosk recorded the collector)", _n(r.not_recorded)],
               ["all released in the period", _n(r.released)]], widths_mm=[130, 30])
    doc.space(3)
    pack.table(["Early releases (before the ladder's day), authorised by", "Phones"],
               [[who, _n(n)] for who, n in r.early_authorised_by] + [["all early releases", _n(r.early)]],
               widths_mm=[130, 30])

    # 5. Impact ------------------------------------------------------------------------------------------------
    pack.section(5, "Impact over time")
    if not comparisons:
        doc.para("The period has not begun yet: nothing to compare.")
    for i, comparison in enumerate(comparisons):
        # The sentence, the table (and, after the last, the legend) kept on one page: one KeepTogether, not
        # one inside another (reportlab's wrap of an inner one reports a page-high block, so the outer one
        # would always start a new page).
        start = len(doc.blocks)
        doc.para(f"{comparison.title}: {comparison.now.label} ({short_date(comparison.now.start)} – "
                 f"{short_date(comparison.now.end)}) against {short_date(comparison.before.start)} – "
                 f"{short_date(comparison.before.end)}.", size=9)
        if not comparison.comparable:
            pack.note("The kiosk's records begin " + (long_date(comparison.records_from) if comparison.records_from
                                                      else "after this period")
                      + ": there is no year before to compare with. These figures are the baseline for next year.")
            doc.table(["Measure", "This period", "A year before"],
                      [[ch.measure, _n(ch.now), "no records"] for ch in comparison.changes], widths_mm=[90, 40, 40])
        else:
            doc.table(["Measure", "This period", "A year before", "Change"],
                      [[ch.measure, _n(ch.now), _n(ch.before), ch.words] for ch in comparison.changes],
                      widths_mm=[70, 30, 30, 40])
        if i == len(comparisons) - 1:
            pack.note("▲ up, ▼ down, = no change. Fewer confiscations may mean the policy works or that it is applied "
                      "less: read them beside the consistency figures in section 1.")
        doc.blocks[start:] = [KeepTogether(doc.blocks[start:])]
        doc.space(3)

    # 6. Safeguarding and searches -----------------------------------------------------------------------------
    pack.section(6, f"{sixth} (counted, never named)")
    s = f.safeguarding
    if s is None:
        # Not even the word: a reader without the permission is not told how many holds there were.
        pack.note("Holds placed by the DSL are counted in the copy made for the DSL or the head.")
    else:
        pack.table(["Safeguarding holds by kind of concern", "Holds"],
                   [[_kind_words(kind), _n(n)] for kind, n in s.holds_by_kind] + [["all holds placed", _n(s.holds)]],
                   widths_mm=[130, 30])
        if any(kind == NOT_RECORDED for kind, _ in s.holds_by_kind):
            pack.note("'Not recorded': holds placed before the desk asked the kind of concern.")
        doc.space(3)
        pack.table(["Safeguarding", "Count"], [["holds cleared by the DSL", _n(s.cleared)],
                                               ["phones handed to the police", _n(s.police_handovers)],
                                               ["on a safeguarding hold now", _n(s.on_hold_now)]],
                   widths_mm=[130, 30])
        doc.space(3)
    sr = f.searches
    pack.table(["Searches (DfE: searching, screening and confiscation)", "Count"],
               [["searches recorded", _n(sr.total)], ["something found", _n(sr.found_something)],
               ["nothing found", _n(sr.nothing_found)], ["DSL informed", _n(sr.dsl_informed)],
               ["parent or carer informed", _n(sr.parent_informed)]], widths_mm=[130, 30])

    # 7. Exams -------------------------------------------------------------------------------------------------
    pack.section(7, "Phones found in exams (the JCQ view)")
    pack.table(["Exam board", "Series", "Incidents"],
               [[board, series, _n(n)] for board, series, n in f.exams_by_board_and_series]
               + [["all", "", _n(sum(n for *_, n in f.exams_by_board_and_series))]], widths_mm=[60, 60, 30], wrap=False,
               note="Each incident is reported to its exam board (malpractice form M1): the exam report lists them.")

    # 8. Workload ----------------------------------------------------------------------------------------------
    pack.section(8, "Workload: staff time at the desk")
    timed = [("Time each, measured", f"{_n(w.seconds_per_hand_in)} s a hand-in, {_n(w.seconds_per_hand_back)} s a "
                                     "hand-back (average gap between scans at a desk)"),
             ("Staff time at the desk", f"{_desk_time(w.seconds)} in {_plural(w.school_weeks, 'school week')}: "
                                        f"{_desk_time(_per(w.seconds, w.school_weeks))} a week"),
             ("Desk time per confiscation",
              f"{_desk_time(_per(w.seconds, w.confiscations))} of hand-in and hand-back time for each of the "
              f"{_plural(w.confiscations, 'confiscation')}" if w.confiscations else "no confiscations in the period"),
             ("Against the SMART Schools study", f"The study (BMJ Mental Health, 2026) found schools spend about "
                                                 f"{STUDY_HOURS_A_WEEK} staff hours a week policing phones; here the "
                                                 f"desk spent {_desk_time(_per(w.seconds, w.school_weeks))} a week.")]
    doc.facts([
        ("Hand-ins and hand-backs", f"{_n(w.hand_ins)} and {_n(w.hand_backs)}"),
        *(timed if w.seconds else [("Staff time at the desk", _unmeasured(w)),
                                   ("Against the SMART Schools study",
                                    f"The study (BMJ Mental Health, 2026) found schools spend about "
                                    f"{STUDY_HOURS_A_WEEK} staff hours a week policing phones.")]),
    ], label_mm=60)
    pack.note("Only the desk's scanning time is in the records: time teachers spend confiscating in lessons, "
              "meeting parents or on searches is not, so the whole cost is higher.")

    # 9. Exceptions --------------------------------------------------------------------------------------------
    pack.section(9, "Exceptions to the hand-in rule (policy §6)")
    e = f.exceptions
    pack.table(["Exceptions in force during the period, by kind", "Exceptions"],
               [[_kind_words(kind), _n(n)] for kind, n in e.in_force_by_kind]
               + [["all kinds: in force on " + long_date(f.made_on), _n(e.in_force_on_the_day)],
                 ["all kinds: ended during the period", _n(e.expired)]], widths_mm=[130, 30])

    # 10. Commentary -------------------------------------------------------------------------------------------
    doc.flowable(PageBreak())
    doc.heading("10. The headteacher's commentary")
    doc.flowable(_lines(14))
    doc.heading("Actions")
    doc.flowable(_actions(6))
    doc.space(4)
    doc.facts([("Next review of the policy", f"by {next_review:%B %Y} (policy §8: at least annually)"),
               ("Pack made", long_date_time(made_at))], label_mm=60)
    doc.signature_lines("Headteacher", "Chair of governors")
    return _render(doc, f"{school} · phone policy review pack, {p.label} · made {short_date(made_at.date())}")


def _actions(count: int) -> Table:
    """An empty actions table with rows tall enough to write in."""
    regular, bold = "KioskSans", "KioskSans-Bold"
    table = Table([["Action", "Who", "By when"]] + [["", "", ""] for _ in range(count)],
                  colWidths=[100 * mm, 35 * mm, 35 * mm], rowHeights=[6 * mm] + [10 * mm] * count)
    table.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde4ee")),
                               ("FONTNAME", (0, 0), (-1, 0), bold), ("FONTSIZE", (0, 0), (-1, 0), 9),
                               ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9a9a9a")),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("FONTNAME", (0, 1), (-1, -1), regular)]))
    return table


def _weeks_to(weeks: Sequence[tuple[date, int]], last_day: date) -> list[tuple[date, int]]:
    """The weeks up to the one `last_day` falls in: a pack made mid-year charts the year so far."""
    return [(monday, n) for monday, n in weeks if monday <= last_day]


def _lines(count: int) -> Table:
    """Ruled lines to write on: the head's commentary is written by hand or typed over."""
    table = Table([[""] for _ in range(count)], colWidths=[170 * mm], rowHeights=[8 * mm] * count)
    table.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.HexColor("#9a9a9a"))]))
    return table


def _ordinal(n: int) -> str:
    return "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


def inspection_pdf(f: ReviewFigures, *, school: str, made_at: datetime, records: RecordsCheck) -> bytes:
    """One A4 page: kept small (9 pt) so that it stays one page for a school of 2,000 and six year groups."""
    regular, bold = "KioskSans", "KioskSans-Bold"
    chart_font()
    p, c, con, r = f.period, f.consistency, f.confiscations, f.releases
    body = ParagraphStyle("b", fontName=regular, fontSize=9, leading=11.5, spaceAfter=3)
    head = ParagraphStyle("h", fontName=bold, fontSize=11, leading=14, spaceBefore=6, spaceAfter=3)
    blocks: list[Any] = [
        Paragraph(escape(f"{school} · {long_date(made_at.date())}"), ParagraphStyle(
            "s", fontName=regular, fontSize=9, textColor=GREY)),
        Paragraph("Mobile phone policy: inspection summary", ParagraphStyle("t", fontName=bold, fontSize=15,
                                                                             leading=19, spaceAfter=4)),
        Paragraph(escape(f"Pupils hand their phones in to the office at the start of the day and collect them at the "
                         f"end; a phone used in school is confiscated and released only to a parent or carer, held "
                         f"longer each time it happens in a term (the escalation ladder). Every step is recorded by "
                         f"the phone custody kiosk. Figures for this term so far ({p.label}, to "
                         f"{short_date(p.end)}); pupils are counted, never named."), body),
        Paragraph("This term in numbers", head)]

    def grid(rows: list[list[str]], widths: list[float], header: bool = False) -> Table:
        table = Table([[Paragraph(escape(cell), ParagraphStyle("g", fontName=bold if header and i == 0 else regular,
                                                               fontSize=8.5, leading=10.5)) for cell in row]
                       for i, row in enumerate(rows)], colWidths=[w * mm for w in widths])
        style = [("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                 ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]
        if header:
            style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde4ee")))
        table.setStyle(TableStyle(style))
        return table

    weeks = c.school_days / 5 if c.school_days else 0
    pairs = [
        ("School days so far", _n(c.school_days)), ("Phones handed in a day", _n(c.per_day)),
        ("Hand-ins as a share of the roll", _pct(c.share)), ("Left uncollected overnight", _n(c.left_overnight)),
        ("Confiscations", _n(con.total)),
        ("Confiscations a school week", _n(round(con.total / weeks, 1) if weeks else None)),
        ("Released to a carer with PR", f"{_n(r.to_parental_responsibility)} of {_n(r.released)}"),
        ("Early releases (authorised)", _n(r.early)),
        ("Searches", f"{_n(f.searches.total)}, something found in {_n(f.searches.found_something)}"
                     if f.searches.total else "none"),
        ("Phones found in exams", _n(sum(n for *_, n in f.exams_by_board_and_series))),
        ("Exceptions in force today", _n(f.exceptions.in_force_on_the_day)),
        ("Desk time a school week", _desk_time(_per(f.workload.seconds, f.workload.school_weeks))),
    ]
    half = (len(pairs) + 1) // 2
    blocks.append(grid([[a, b, *(pairs[i + half] if i + half < len(pairs) else ("", ""))]
                        for i, (a, b) in enumerate(pairs[:half])], [52, 33, 52, 33]))
    blocks.append(Paragraph("Consistency by year group", head))
    blocks.append(grid([["Year group", "On roll", "Hand-ins: share of roll", "Confiscations", "Per 100 pupils"]]
                       + [[g.name, _n(g.on_roll), _pct(g.share),
                           _n(next((y.handed_in for y in con.by_year if y.name == g.name), 0)),
                           next((_per_hundred(y) for y in con.by_year if y.name == g.name), "—")]
                          for g in c.by_year], [40, 25, 45, 30, 30], header=True))
    blocks.append(Paragraph("Repeat confiscations this term", head))
    blocks.append(grid([["Pupils confiscated from", "once", "twice", "three times or more", "repeat rate"],
                        [_n(con.pupils), _n(con.pupils_once), _n(con.pupils_twice), _n(con.pupils_three_or_more),
                         _pct(con.repeat_rate)]], [40, 25, 25, 40, 40], header=True))
    ladder = "; ".join(f"{rung.reached_from}{_ordinal(rung.reached_from)} rung: {_n(rung.confiscations)}"
                       + (f" (median {_n(rung.median_days_held)} days held)" if rung.median_days_held is not None
                          else "") for rung in con.ladder)
    blocks.append(Spacer(1, 2 * mm))
    blocks.append(Paragraph(escape(f"The escalation ladder: {ladder}."), body))
    blocks.append(Paragraph("How the records are kept", head))
    blocks.append(Paragraph(escape(
        "Every hand-in, hand-back, confiscation, release, hold and search is an entry in the kiosk's audit trail. "
        "Each entry is sealed to the one before it (an HMAC chain, with a key kept apart from the database), so "
        "an entry changed, removed or added later breaks the chain; the records a decision rests on (custody, "
        "pupils, carers, exceptions, searches) are sealed too. Staff sign in with their own PIN; a release to "
        "anyone not on the contact list, or early, needs the head or DSL's PIN."), body))
    verdict = (f"Yes: {records.events_checked:,} entries in sequence, chain intact, every sealed record matches"
               if records.ok else f"NO: {records.problems} problem(s) found — ask the IT technician to run "
                                  "kiosk audit verify")
    blocks.append(grid([["Audit trail verified", f"{verdict} (checked {long_date_time(records.checked_at)}, as "
                                                 "this page was made)"],
                        ["Chain head", f"entry {records.head_seq:,}, seal {records.head_chain[:16]}…"
                                       if records.head_chain else "no entries yet"]], [40, 130]))
    buffer = io.BytesIO()
    template = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=14 * mm,
                                 bottomMargin=14 * mm, title="Mobile phone policy: inspection summary", author=school)
    template.build(blocks)
    return buffer.getvalue()
