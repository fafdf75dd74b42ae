"""Reports against figures worked out by hand on a seeded week at the school."""

from __future__ import annotations

import io
import subprocess
from datetime import UTC, date, datetime

import pytest

from kiosk.cli import main
from kiosk.custody import close_day, hand_back, hand_in, normalise, resolve
from kiosk.custody.confiscation import ExamDetails, confiscate
from kiosk.custody.release import carers_of, release_to_carer
from kiosk.custody.searches import record_search
from kiosk.custody.stocktake import stocktake
from kiosk.db import Event
from kiosk.reports.dashboard import dashboard
from kiosk.reports.export import spreadsheet_safe, to_csv
from kiosk.reports.figures import confiscation_figures, daily_lines, desk_time, exam_incidents, search_figures
from kiosk.reports.periods import Period, period
from kiosk.reports.reconciliation import reconcile
from kiosk.reports.review_pack import review_pack
from tests.conftest import OFFICE_PIN

WEEK = Period(date(2026, 11, 30), date(2026, 12, 4), "week")


def at(s, day, hh, mm, ss=0):
    s.clock.set(datetime(2026, 11, day, hh, mm, ss, tzinfo=UTC) if day >= 30 else
                datetime(2026, 12, day, hh, mm, ss, tzinfo=UTC))


def tag(s, i):
    return resolve(normalise(s.tag_of(s.pupils[i])))


def take(s, i, reason, seal, exam=None):
    return confiscate(s.ctx(), tag(s, i), confiscated_by_name="Mr T. Ellis", reason_category=reason,
                      location="S12", condition=[], seal_number=seal, exam=exam)


@pytest.fixture
def week(school):
    """Mon 30 Nov: pupils 0-3 hand in 10 s apart; 0-2 handed back 20 s apart; 3 left overnight.
    Tue 1 Dec: pupils 0-4 hand in; all handed back but 4; pupil 0 confiscated twice (lesson, site), pupil 1 in
    an exam; one search. Wed: pupil 0's first confiscation released after 26 hours."""
    s = school
    at(s, 30, 8, 30)
    for i in range(4):
        hand_in(s.ctx(), tag(s, i))
        s.clock.advance(seconds=10)
    at(s, 30, 15, 10)
    for i in range(3):
        hand_back(s.ctx(), tag(s, i))
        s.clock.advance(seconds=20)
    at(s, 30, 17, 0)
    close_day(s.ctx())
    at(s, 1, 8, 30)
    for i in (0, 1, 2, 4):
        hand_in(s.ctx(), tag(s, i))
        s.clock.advance(seconds=10)
    at(s, 1, 10, 0)
    first = take(s, 0, "used in lesson", "B-1")  # converts Tuesday's daily custody
    take(s, 1, "found during an exam", "B-2", ExamDetails(board="AQA", paper="8300/1H", room="Hall"))
    at(s, 1, 15, 10)
    hand_back(s.ctx(), tag(s, 2))
    hand_back(s.ctx(), tag(s, 3))  # pupil 3's phone from Monday night
    record_search(s.ctx(), pupil_id=s.pupils[5].id, searched_by_name="Mrs A. Adams", authorised_by_name="Head",
                  grounds="reported filming", found="nothing", dsl_informed=True, parent_informed=False)
    at(s, 2, 12, 0)
    release_to_carer(s.ctx(), first.custody_id, pin=OFFICE_PIN, id_seen="passport",
                     carer_id=carers_of(s.pupils[0].id)[0].id, )
    at(s, 2, 13, 0)
    take(s, 0, "used on site", "B-3")
    return s


def test_daily_lines_match_the_week(week):
    lines = {d.day: (d.handed_in, d.handed_back, d.left_uncollected) for d in daily_lines(WEEK, week.settings)}
    assert lines[date(2026, 11, 30)] == (4, 3, 1)
    assert lines[date(2026, 12, 1)] == (4, 2, 0)
    assert lines[date(2026, 12, 2)] == (0, 0, 0)


def test_confiscation_figures_by_reason_year_form_and_repeats(week):
    f = confiscation_figures(WEEK, week.settings)
    assert f.total == 3 and f.released == 1 and f.still_held == 2
    assert f.by_reason == {"used in lesson": 1, "found during an exam": 1, "used on site": 1}
    assert f.by_year == {"Year 9": 3}
    assert f.by_form == {"9C": 3}
    assert f.repeat_pupils == [("Zoë Hall", "9C", 2)]
    assert f.median_hours_held == 26.0
    assert f.by_week == {date(2026, 11, 30): 3}


def test_exam_incidents_and_searches(week):
    [incident] = exam_incidents(WEEK, week.settings)
    assert (incident.pupil, incident.board, incident.paper, incident.room) == ("Łukasz Nowakowski", "AQA", "8300/1H",
                                                                              "Hall")
    s = search_figures(WEEK, week.settings)
    assert (s.total, s.nothing_found, s.dsl_informed, s.parent_informed) == (1, 1, 1, 0)


def test_desk_time_is_measured_from_the_gaps_between_scans(week):
    t = desk_time(WEEK, week.settings, today=date(2026, 12, 9))
    assert (t.hand_ins, t.hand_backs) == (8, 5)
    # Hand-ins: six 10 s gaps (the first of each morning follows a long pause, so is not timed).
    # Hand-backs: 20 s and 20 s on Monday, and 0 s on Tuesday (two phones scanned at the same second).
    assert t.seconds_per_hand_in == 10.0 and t.seconds_per_hand_back == round(40 / 3, 1)
    # Monday: three 10 s gaps + two 20 s gaps = 70 s.
    assert t.minutes_per_day[date(2026, 11, 30)] == round(70 / 60, 1)
    # Finished days are worked out once and kept: a second report reads them back and agrees.
    from kiosk.db.models import DeskDay

    assert DeskDay.select().where(DeskDay.desk == "Reception 1").count() == 2
    again = desk_time(WEEK, week.settings, today=date(2026, 12, 9))
    assert again == t


def test_dashboard_counts_and_ageing(week):
    s = week
    at(s, 9, 9, 0)  # the following Wednesday: the exam phone has been held 8 days
    board = dashboard(s.clock, s.settings, show_safeguarding=False)
    assert board.safeguarding_holds is None
    held = {h.pupil: (h.days_held, h.overdue) for h in board.held}
    assert held == {"Łukasz Nowakowski": (8, True), "Zoë Hall": (6, True)}
    assert board.in_office == 1 and board.handed_in_today == 0  # pupil 4's phone left on Tuesday, still in
    assert dashboard(s.clock, s.settings, show_safeguarding=True).safeguarding_holds == 0


def test_reconciliation_by_form(week):
    rec = reconcile(date(2026, 12, 1), week.settings)
    # 9C: Zoë and Łukasz handed in, both confiscated (not handed back, not on the daily shelf);
    # 7C: Ruby handed in and still there, Aoife's phone from Monday night handed back; 10HA: Minh in and back.
    assert {form: (a, b, c) for form, a, b, c in rec.lines} == {"7C": (1, 1, 1), "9C": (2, 0, 0),
                                                                "10HA": (1, 1, 0)}
    assert [x.pupil for x in rec.still_in] == ["Ruby Mitchell"]


def test_stocktake_reports_missing_and_unexpected_and_is_audited(week):
    s = week
    at(s, 1, 16, 0)
    # In the office now: Ruby (daily), Zoë and Łukasz (held). Scan Zoë, Aoife (handed back) and a garbled code.
    result = stocktake(s.ctx(), [s.tag_of(s.pupils[0]), s.tag_of(s.pupils[3]), "K1234"])
    assert {i.pupil.name for i in result.present} == {"Zoë Hall"}
    assert {i.pupil.name for i in result.missing} == {"Łukasz Nowakowski", "Ruby Mitchell"}
    assert {i.pupil.name for i in result.unexpected} == {"Aoife Ó Súilleabháin"}
    assert result.unreadable == ("K1234",)
    event = Event.select().where(Event.action == "STOCKTAKE").get()
    assert event.staff_id == s.office.staff_id and '"present":1' in event.payload_json


def test_review_pack_is_a_pdf_with_the_years_figures(week, tmp_path):
    pdf = review_pack(period("year", date(2026, 12, 1), week.settings), week.settings, include_safeguarding=False,
                      today=date(2026, 12, 9))
    path = tmp_path / "pack.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "annual review pack" in text
    assert "Confiscations" in text and "3 (released 1, still held 2)" in text
    assert "Safeguarding" not in text  # not for an admin
    assert "Zoë" not in text  # counted, not named
    assert "AQA" in text


def test_csv_cells_are_safe_against_formula_injection():
    csv_text = to_csv(["form", "n"], [["=cmd|' /C calc'!A0", 3], ["@SUM(A1)", 1], ["-2+3", 2], ["9C", 4]])
    lines = csv_text.splitlines()
    assert lines[1].startswith("'=cmd") and lines[2].startswith("'@SUM") and lines[3].startswith("'-2+3")
    assert lines[4] == "9C,4"
    assert spreadsheet_safe("+447700") == "'+447700"


def test_report_commands_print_the_same_figures(week):
    out = io.StringIO()
    assert main(["--db", week.url, "report", "confiscations", "--period", "custom", "--from", "2026-11-30", "--to",
                 "2026-12-04", "--csv"], clock=week.clock, out=out) == 0
    rows = out.getvalue().splitlines()
    assert "reason,used in lesson,1" in rows and "repeat,Zoë Hall (9C),2" in rows and "total,confiscations,3" in rows
    out = io.StringIO()
    assert main(["--db", week.url, "report", "safeguarding"], clock=week.clock, out=out) == 1  # admin: refused
