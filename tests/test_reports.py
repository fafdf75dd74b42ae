"""Reports against figures worked out by hand on a seeded week at the school."""

from __future__ import annotations

import stat
from datetime import UTC, date, datetime

import pytest

from kiosk.auth import add_staff
from kiosk.custody import close_day, hand_back, hand_in
from kiosk.custody.confiscation import ExamDetails
from kiosk.custody.queries import carers_to_contact
from kiosk.custody.release import release_to_carer
from kiosk.custody.safeguarding import flag_safeguarding
from kiosk.custody.searches import record_search
from kiosk.custody.stocktake import stocktake
from kiosk.db import Event
from kiosk.reports.dashboard import dashboard
from kiosk.reports.export import spreadsheet_safe, to_csv
from kiosk.reports.figures import confiscation_figures, daily_lines, desk_time, exam_incidents, search_figures
from kiosk.reports.period_report import report_csv, report_figures
from kiosk.reports.periods import BadDate, Period, custom_period, parse_day, period
from kiosk.reports.reconciliation import reconcile
from kiosk.reports.review_pack import review_pack
from tests.conftest import DSL_PIN, OFFICE_PIN
from tests.helpers import pdf_text, pdf_words

WEEK = Period(date(2026, 11, 30), date(2026, 12, 4), "week")


def at(s, day, hh, mm, ss=0):
    s.clock.set(datetime(2026, 11, day, hh, mm, ss, tzinfo=UTC) if day >= 30 else
                datetime(2026, 12, day, hh, mm, ss, tzinfo=UTC))


@pytest.fixture
def week(school):
    return seed_week(school)


@pytest.fixture
def any_week(any_school):
    """The same week on SQLite and on PostgreSQL."""
    return seed_week(any_school)


def seed_week(s):
    """Mon 30 Nov: pupils 0-3 hand in 10 s apart; 0-2 handed back 20 s apart; 3 left overnight.
    Tue 1 Dec: pupils 0-4 hand in; all handed back but 4; pupil 0 confiscated twice (lesson, site), pupil 1 in
    an exam; one search. Wed: pupil 0's first confiscation released after 26 hours."""
    at(s, 30, 8, 30)
    for i in range(4):
        hand_in(s.ctx(), s.scanned(i))
        s.clock.advance(seconds=10)
    at(s, 30, 15, 10)
    for i in range(3):
        hand_back(s.ctx(), s.scanned(i))
        s.clock.advance(seconds=20)
    at(s, 30, 17, 0)
    close_day(s.ctx())
    at(s, 1, 8, 30)
    for i in (0, 1, 2, 4):
        hand_in(s.ctx(), s.scanned(i))
        s.clock.advance(seconds=10)
    at(s, 1, 10, 0)
    first = s.confiscate(0, reason="used in lesson", seal="B-1")  # converts Tuesday's daily custody
    s.confiscate(1, reason="found during an exam", seal="B-2",
                 exam=ExamDetails(board="AQA", paper="8300/1H", room="Hall"))
    at(s, 1, 15, 10)
    hand_back(s.ctx(), s.scanned(2))
    hand_back(s.ctx(), s.scanned(3))  # pupil 3's phone from Monday night
    record_search(s.ctx(), pupil_id=s.pupils[5].id, searched_by_name="Mrs A. Adams", authorised_by_name="Head",
                  grounds="reported filming", found="nothing", dsl_informed=True, parent_informed=False)
    at(s, 2, 12, 0)
    release_to_carer(s.ctx(), first.custody_id, pin=OFFICE_PIN, id_seen="passport",
                     carer_id=carers_to_contact(pupil_id=s.pupils[0].id)[0].id, )
    at(s, 2, 13, 0)
    s.confiscate(0, reason="used on site", seal="B-3")
    return s


@pytest.mark.parametrize("today", [date(2026, 12, 1), date(2026, 12, 9)], ids=["live", "finished days kept"])
def test_daily_lines_match_the_week(any_week, today):
    # Read on the Tuesday, Monday is finished (kept in DeskDay) and Tuesday is counted live from the events;
    # read a week later, every day is finished. Either way the same figures, on either database.
    week = any_week
    lines = {d.day: (d.handed_in, d.handed_back, d.left_uncollected)
             for d in daily_lines(WEEK, week.settings, today=today)}
    assert lines[date(2026, 11, 30)] == (4, 3, 1)
    assert lines[date(2026, 12, 1)] == (4, 2, 0)
    assert lines[date(2026, 12, 2)] == (0, 0, 0)
    again = {d.day: (d.handed_in, d.handed_back, d.left_uncollected)
             for d in daily_lines(WEEK, week.settings, today=today)}
    assert again == lines


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
    # Zoë's was taken on Wed 2 Dec at 13:00: seven days by the calendar at 09:00 the next Wednesday (six
    # 24-hour periods and 20 hours, which is what the dashboard used to say until 13:00).
    assert held == {"Łukasz Nowakowski": (8, True), "Zoë Hall": (7, True)}
    assert board.in_office == 1 and board.handed_in_today == 0  # pupil 4's phone left on Tuesday, still in
    assert dashboard(s.clock, s.settings, show_safeguarding=True).safeguarding_holds == 0


@pytest.mark.parametrize("hh, mm", [(8, 0), (12, 59), (13, 1), (23, 59)])
def test_days_held_count_the_calendar_days_whatever_the_time_of_day(week, hh, mm):
    s = week
    at(s, 9, hh, mm)  # Zoë's phone was taken on Wed 2 Dec at 13:00; this is the next Wednesday
    held = {h.pupil: h.days_held for h in dashboard(s.clock, s.settings, show_safeguarding=False).held}
    assert held["Zoë Hall"] == 7 and held["Łukasz Nowakowski"] == 8


def test_days_held_go_by_the_schools_date_not_utcs():
    from zoneinfo import ZoneInfo

    from kiosk.reports.dashboard import days_held

    london = ZoneInfo("Europe/London")
    # 23:30 UTC on 1 June is 00:30 on 2 June in London (summer time): taken on the 2nd, so 0 days that day.
    taken = datetime(2026, 6, 1, 23, 30, tzinfo=UTC)
    assert days_held(taken, date(2026, 6, 2), london) == 0
    assert days_held(taken, date(2026, 6, 9), london) == 7
    # In winter London is on UTC: the same time of night is still the 1st.
    assert days_held(datetime(2026, 12, 1, 23, 30, tzinfo=UTC), date(2026, 12, 2), london) == 1


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
    text = pdf_text(path)
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
    code, out, _ = week.cli("report", "confiscations", "--period", "custom", "--from", "2026-11-30", "--to",
                            "2026-12-04", "--csv")
    assert code == 0
    rows = out.splitlines()
    assert "reason,used in lesson,1" in rows and "repeat,Zoë Hall (9C),2" in rows and "total,confiscations,3" in rows
    assert week.cli("report", "safeguarding")[0] == 1  # admin: refused


# ── the dates the office types, and a range of days ──────────────────────────────────────────────────────
TODAY = date(2026, 11, 28)  # a Saturday in the autumn term


@pytest.mark.parametrize(("typed", "meant"), [
    ("3/11/2026", date(2026, 11, 3)), ("03-11-2026", date(2026, 11, 3)), ("2026-11-03", date(2026, 11, 3)),
    ("3.11.26", date(2026, 11, 3)), ("3 Nov", date(2026, 11, 3)), (" 3rd  November ", date(2026, 11, 3)),
    ("Nov 3 2025", date(2025, 11, 3)), ("3 Sept", date(2026, 9, 3)), ("3/11", date(2026, 11, 3)),
    # Without a year, the last such day on or before today: reports look back.
    ("3 Dec", date(2025, 12, 3)), ("28 Nov", TODAY), ("29 Feb", date(2024, 2, 29)),
    ("today", TODAY), ("Yesterday", date(2026, 11, 27)),
])
def test_a_date_is_read_as_the_office_types_it(typed, meant):
    assert parse_day(typed, today=TODAY) == meant


@pytest.mark.parametrize(("typed", "says"), [
    ("31/11/2026", "'31/11/2026' is not a date: November 2026 has 30 days."),
    ("29/2/2027", "February 2027 has 28 days."),
    ("11/30/2026", "'11/30/2026' has no month 30. Dates are day first: for 30 November type 30/11/2026."),
    ("3 Novem", "'novem' in '3 Novem' is not a month"),
    ("next week", "'next week' is not a date I can read (e.g. 3/11/2026, 03-11-2026, 2026-11-03 or 3 Nov)."),
    ("2026-13-01", "'2026-13-01' is not a date I can read"),
    ("3/11/202", "The year in '3/11/202' should have 4 digits, e.g. 2026."),
    ("  ", "Type a date"),
])
def test_a_date_that_cannot_be_read_is_explained(typed, says):
    with pytest.raises(BadDate) as refused:
        parse_day(typed, today=TODAY)
    assert says in str(refused.value)


def test_a_range_says_which_date_is_wrong_and_refuses_one_back_to_front(school):
    p = custom_period("1/9/2026", "3 Nov", today=TODAY, settings=school.settings)
    assert (p.start, p.end, p.label) == (date(2026, 9, 1), date(2026, 11, 3), "1 Sep 2026 – 3 Nov 2026")
    with pytest.raises(BadDate, match=r"^Last day: '31/9/2026' is not a date: September 2026 has 30 days\.$"):
        custom_period("1/9/2026", "31/9/2026", today=TODAY, settings=school.settings)
    with pytest.raises(BadDate, match=r"^First day: "):
        custom_period("", "3 Nov", today=TODAY, settings=school.settings)
    with pytest.raises(BadDate, match=r"The range ends \(1 Sep 2026\) before it starts \(3 Nov 2026\): swap"):
        custom_period("3 Nov", "1/9/2026", today=TODAY, settings=school.settings)


# ── the command line (School.cli): ranges, PDFs, who may ask ─────────────────────────────────────────────
def test_a_range_typed_as_the_office_types_it_on_the_command_line(week):
    code, out, _ = week.cli("report", "confiscations", "--from", "30/11/2026", "--to", "4 Dec 2026", "--csv")
    assert code == 0 and "total,confiscations,3" in out.splitlines()
    code, out, _ = week.cli("report", "confiscations", "--period", "custom", "--from", "1-12-2026", "--to",
                            "2026-12-01", "--csv")
    assert code == 0 and "total,confiscations,2" in out.splitlines()  # Tuesday only: lesson and exam
    code, out, err = week.cli("report", "confiscations", "--from", "4/12/2026", "--to", "30/11/2026")
    assert code == 1 and out == ""
    assert "The range ends (30 Nov 2026) before it starts (4 Dec 2026): swap the two dates." in err
    code, _, err = week.cli("report", "daily", "--from", "31/11/2026", "--to", "4/12/2026")
    assert code == 2 and "argument --from: '31/11/2026' is not a date: November 2026 has 30 days." in err
    code, _, err = week.cli("report", "daily", "--period", "custom", "--from", "30/11/2026")
    assert code == 1 and "A custom range needs both --from and --to" in err


def test_each_report_writes_a_pdf_with_the_hand_computed_figures(week, tmp_path):
    s = week
    at(s, 9, 9, 0)  # the following Wednesday: the seeded week is over
    span = ["--from", "30/11/2026", "--to", "4/12/2026"]
    expected = {
        # Monday 4 in, 3 back, 1 left overnight; Tuesday 4 in, 2 back.
        "daily": ["Phones day by day: 30 Nov 2026 – 4 Dec 2026", "Mon 30 Nov 2026 4 3 1", "Tue 1 Dec 2026 4 2 0",
                  "Wed 2 Dec 2026 0 0 0", "Total 8 5 1"],
        # 3 confiscations: lesson, exam, site; all Year 9, 9C; Zoë twice; one released after 26 hours.
        "confiscations": ["Confiscations 3", "Released to a parent or carer 1", "Still held 2",
                          "Median time held before release 26.0 hours", "used in lesson 1 33%",
                          "found during an exam 1 33%", "used on site 1 33%", "Year 9 3 100%", "9C 3 100%",
                          "Zoë Hall 9C 2"],
        "repeats": ["1 pupil had a phone confiscated twice or more in this period (0 three times or more).",
                    "Zoë Hall 9C 2"],
        "exams": ["Tue 1 Dec 2026 10:00 Łukasz Nowakowski 9C AQA 8300/1H Hall"],
        "searches": ["Searches recorded 1", "Nothing found 1", "DSL (designated safeguarding lead) informed 1",
                     "Parent or carer informed 0"],
        # Six 10 s hand-in gaps; hand-back gaps 20, 20 and 0 s; Monday 70 s, Tuesday 30 s of hand-ins + 0 s.
        "desk-time": ["Hand-ins 8", "Hand-backs 5", "Seconds per hand-in 10.0", "Seconds per hand-back 13.3",
                      "Mon 30 Nov 2026 1.2", "Tue 1 Dec 2026 0.5"],
        "summary": ["Phones report: 30 Nov 2026 – 4 Dec 2026", "Phones handed in 8 over 2 school days",
                    "Phones handed back 5", "Left overnight 1", "Confiscations 3 (released 1, still held 2)",
                    "Pupils confiscated from twice or more 1", "Phones found in exams 1", "Total 8 5 1 1.7"],
    }
    for report, lines in expected.items():
        path = tmp_path / f"{report}.pdf"
        code, out, err = s.cli("report", report, *span, "--pdf", str(path))
        assert code == 0, err
        assert f"PDF written to {path}" in out
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, "reports name pupils: this account only"
        text = pdf_words(path)
        assert "Monday 30 November 2026 to Friday 4 December 2026" in text and "Printed 9 December 2026" in text
        for line in lines:
            assert line in text, f"{line!r} not in the {report} PDF: {text}"
        assert "Safeguarding" not in text
    # The CSV still goes to standard output beside the PDF.
    code, out, _ = s.cli("report", "searches", *span, "--csv", "--pdf", str(tmp_path / "s2.pdf"))
    assert code == 0 and out.splitlines()[1:] == ["searches,1", "nothing found,1", "DSL informed,1",
                                                  "parent informed,0"]
    assert pdf_words(tmp_path / "s2.pdf").count("Searches recorded 1") == 1


def test_the_safeguarding_pdf_is_for_the_dsl_and_the_head_only(week, tmp_path):
    s = week
    receipt = s.confiscate(2, reason="used in lesson", seal="B-9")
    flag_safeguarding(s.ctx(), receipt.custody_id, concern="CANARY-3141 disclosed at lunch", acknowledged=True,
                      kind="risk_of_harm")
    path = tmp_path / "safeguarding.pdf"
    code, _, err = s.cli("report", "safeguarding", "--period", "week", "--pdf", str(path))
    assert code == 1 and "Safeguarding figures are for the DSL and the head" in err and not path.exists()
    code, out, err = s.cli("report", "safeguarding", "--period", "week", "--as", "PS", "--pdf", str(path),
                           stdin=f"{DSL_PIN}\n")
    assert code == 0, err
    text = pdf_words(path)
    assert "Safeguarding holds: week beginning 30 November 2026" in text
    assert "Holds placed 1" in text and "On hold now 1" in text and "Handed to police 0" in text
    assert "CANARY" not in text and "Minh" not in text, "counts only: no notes, no names"
    # The period report includes the counts for the DSL, and not for the office.
    code, _, _ = s.cli("report", "summary", "--period", "week", "--as", "PS", "--pdf", str(tmp_path / "dsl.pdf"),
                       stdin=f"{DSL_PIN}\n")
    assert code == 0 and "Holds placed 1" in pdf_words(tmp_path / "dsl.pdf")
    code, _, _ = s.cli("report", "summary", "--period", "week", "--pdf", str(tmp_path / "admin.pdf"))
    assert code == 0 and "Safeguarding" not in pdf_words(tmp_path / "admin.pdf")


def test_a_pdf_that_cannot_be_written_says_so_and_leaves_nothing_behind(week, tmp_path):
    missing = tmp_path / "no-such-folder" / "report.pdf"
    code, _, err = week.cli("report", "exams", "--period", "week", "--pdf", str(missing))
    assert code == 1 and f"The PDF was not written to {missing}" in err and "Check the folder exists" in err
    code, _, err = week.cli("report", "exams", "--period", "week", "--pdf", str(tmp_path))
    assert code == 1 and "that is a folder" in err
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".saving-")] == []


def test_reports_are_refused_to_a_teacher_and_open_to_a_head_of_year(week):
    from tests.conftest import OTHER_STAFF

    teacher_pin = next(pin for _n, initials, _r, pin in OTHER_STAFF if initials == "TE")
    code, out, err = week.cli("report", "confiscations", "--period", "week", "--as", "TE", stdin=f"{teacher_pin}\n")
    assert code == 1 and out == "" and "Reports are not open to Tom Ellis (teacher)" in err
    add_staff(keyring=week.keyring, clock=week.clock, desk="Reception 1", name="Nia Evans", initials="NE",
              role="head_of_year", pin="370461")
    code, out, err = week.cli("report", "confiscations", "--period", "week", "--as", "NE", "--csv",
                              stdin="370461\n")
    assert code == 0, err
    assert "total,confiscations,3" in out.splitlines()
    code, _, err = week.cli("report", "safeguarding", "--period", "week", "--as", "NE", stdin="370461\n")
    assert code == 1 and "Safeguarding figures are for the DSL and the head" in err


def test_the_period_report_and_its_csv_agree_with_the_hand_computed_week_on_both_databases(any_week):
    f = report_figures(WEEK, "custom", any_week.settings, include_safeguarding=True, today=date(2026, 12, 9))
    assert (f.handed_in, f.handed_back, f.left_uncollected, f.school_days) == (8, 5, 1, 2)
    assert (f.confiscations.total, f.searches.total, len(f.exams)) == (3, 1, 1)
    assert f.safeguarding == {"holds placed": 0, "holds cleared": 0, "handed to police": 0, "on hold now": 0}
    assert f.desk.minutes_per_day == {date(2026, 11, 30): round(70 / 60, 1), date(2026, 12, 1): 0.5}
    csv_rows = report_csv(f, any_week.settings.tz).splitlines()
    assert "totals,phones,handed in,8" in csv_rows and "day,2026-11-30,left overnight,1" in csv_rows
    assert "repeat confiscations,Zoë Hall (9C),count,2" in csv_rows
