"""The annual review pack and the inspection summary, figure by figure, against the two school years of
tests/review_support.py counted by hand (its docstring lists every event)."""

from __future__ import annotations

import subprocess
from datetime import UTC, date, datetime

import pytest

from kiosk.db import open_database
from kiosk.reports.inspection import check_records, inspection_summary
from kiosk.reports.periods import Period, period
from kiosk.reports.review_figures import NOT_RECORDED, review_figures
from kiosk.reports.review_impact import DOWN, SAME, UP, Change, impact
from kiosk.reports.review_pack import next_review_due, review_pack
from tests.conftest import DSL_PIN, make_school
from tests.helpers import pdf_text
from tests.review_support import MADE_ON, two_school_years

THIS_YEAR = Period(date(2026, 9, 2), date(2027, 7, 21), "school year 2026/27")


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """The two years are seeded once for the module (a few seconds); the tests that read them share it."""
    folder = tmp_path_factory.mktemp("two-years")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KIOSK_CONFIG_DIR", str(folder / "config"))
        patch.setenv("KIOSK_DATA_DIR", str(folder / "data"))
        return two_school_years(make_school(folder))


@pytest.fixture
def years(seeded):
    open_database(seeded.url)  # this module's database again: a test before may have opened its own
    return seeded


@pytest.fixture
def fresh(school):
    """The two years in a database of the test's own, for a test that changes it."""
    return two_school_years(school)


@pytest.fixture
def figures(years):
    return review_figures(THIS_YEAR, years.settings, today=MADE_ON, include_safeguarding=True)


def _pages(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def test_the_year_is_the_school_year_of_the_configured_terms(years):
    year = period("year", MADE_ON, years.settings)
    assert (year.start, year.end) == (THIS_YEAR.start, THIS_YEAR.end)


def test_consistency_share_of_the_roll_by_day_year_group_and_form(figures):
    c = figures.consistency
    assert [(d.day, d.handed_in, d.on_roll) for d in c.days] == [(date(2026, 11, 30), 4, 6), (date(2026, 12, 1), 4, 6)]
    assert (c.handed_in, c.handed_back, c.left_overnight, c.school_days) == (8, 5, 1, 2)
    assert c.share == 66.7 and c.per_day == 4.0  # 8 of 6 pupils × 2 days
    assert [(g.name, g.on_roll, g.handed_in, g.share) for g in c.by_year] == [
        ("Year 7", 2, 2, 50.0), ("Year 9", 2, 4, 100.0), ("Year 10", 1, 2, 100.0), ("Year 11", 1, 0, 0.0)]
    assert {g.name: g.share for g in c.by_form} == {"7C": 50.0, "9C": 100.0, "10HA": 100.0, "11B": 0.0}
    assert dict(c.overnight_by_week)[date(2026, 11, 30)] == 1 and sum(n for _, n in c.overnight_by_week) == 1


def test_confiscations_per_term_week_reason_year_group_and_form(figures):
    con = figures.confiscations
    assert (con.total, con.released, con.still_held) == (3, 2, 0)
    assert dict(con.per_term) == {"2 Sep 2026 – 23 Oct 2026": 0, "2 Nov 2026 – 18 Dec 2026": 3,
                                  "5 Jan 2027 – 12 Feb 2027": 0, "22 Feb 2027 – 26 Mar 2027": 0,
                                  "12 Apr 2027 – 28 May 2027": 0, "7 Jun 2027 – 21 Jul 2027": 0}
    assert dict(con.by_week)[date(2026, 11, 30)] == 3 and sum(n for _, n in con.by_week) == 3
    assert dict(con.by_reason) == {"used in lesson": 1, "found during an exam": 1, "used on site": 1}
    assert [(g.name, g.on_roll, g.handed_in) for g in con.by_year if g.handed_in] == [("Year 9", 2, 3)]
    assert [(g.name, g.handed_in) for g in con.by_form if g.handed_in] == [("9C", 3)]


def test_repeats_and_the_escalation_ladder(figures):
    con = figures.confiscations
    assert (con.pupils, con.pupils_once, con.pupils_twice, con.pupils_three_or_more) == (2, 1, 1, 0)
    assert con.repeat_rate == 50.0
    first, second, third = con.ladder
    # Rung 1: Zoë's first (released after 26 h = 1.08 days) and Łukasz's (with the police: not released).
    assert (first.reached_from, first.confiscations, first.pupils, first.median_days_held) == (1, 2, 2, 1.1)
    # Rung 2: Zoë's second, released early after 19.5 h = 0.81 days. Last year's confiscation is another term's.
    assert (second.reached_from, second.confiscations, second.pupils, second.median_days_held) == (2, 1, 1, 0.8)
    assert (third.reached_from, third.confiscations, third.pupils, third.median_days_held) == (3, 0, 0, None)


def test_released_to_whom_and_early_releases_with_who_authorised(figures):
    r = figures.releases
    assert (r.released, r.to_parental_responsibility, r.to_listed_contact_without_pr, r.to_authorised_other,
            r.not_recorded) == (2, 1, 1, 0, 0)
    assert r.early == 1 and r.early_authorised_by == (("Hugh Grant-Ellis", 1),)


def test_holds_are_counted_by_their_kind_of_concern_when_a_dsl_or_head_makes_the_pack(years):
    # The kind is kept encrypted (kiosk/custody/safeguarding.py); a pack made with the DSL's key counts by it.
    with_key = review_figures(THIS_YEAR, years.settings, today=MADE_ON, include_safeguarding=True,
                              notes_key=years.keyring.notes_key).safeguarding
    assert with_key is not None
    assert with_key.holds_by_kind == (("Suspected indecent image or video of a child", 1),)


def test_safeguarding_and_searches_are_counted(figures):
    s = figures.safeguarding
    assert s is not None
    assert (s.holds, s.cleared, s.police_handovers, s.on_hold_now) == (1, 0, 1, 0)
    assert s.holds_by_kind == ((NOT_RECORDED, 1),), "without the DSL's key the kind cannot be read"
    sr = figures.searches
    assert (sr.total, sr.found_something, sr.nothing_found, sr.dsl_informed, sr.parent_informed) == (2, 1, 1, 1, 1)


def test_a_reader_without_the_permission_gets_no_safeguarding_counts(years):
    assert review_figures(THIS_YEAR, years.settings, today=MADE_ON, include_safeguarding=False).safeguarding is None


def test_exams_by_board_and_series(figures):
    assert figures.exams_by_board_and_series == (("AQA", "November 2026", 1),)


def test_workload_from_the_desks_own_records(figures):
    w = figures.workload
    # Hand-ins 10 s apart (6 gaps), hand-backs 20 s apart (3 gaps); each scan at its average.
    assert (w.hand_ins, w.hand_backs, w.seconds_per_hand_in, w.seconds_per_hand_back) == (8, 5, 10.0, 20.0)
    assert w.hours == round((8 * 10 + 5 * 20) / 3600, 1) and w.school_weeks == 1
    assert w.hours_per_confiscation == round(w.hours / 3, 1)


def test_exceptions_in_force_by_kind_and_those_that_ended(figures):
    e = figures.exceptions
    assert dict(e.in_force_by_kind) == {"medical": 1, "young carer": 1}
    assert (e.in_force_on_the_day, e.expired) == (1, 1)


def test_impact_this_year_against_last_with_arrows(years):
    year, term = impact(THIS_YEAR, years.settings, today=MADE_ON)
    assert year.comparable and year.before.start == date(2025, 9, 2) and year.now.end == date(2026, 12, 8)
    changes = {c.measure: c for c in year.changes}
    # Last year to 8 Dec: 3 school days (2 Sep, 1 and 2 Dec) with 5 hand-ins; this year 2 days with 8.
    assert (changes["Phones handed in per school day"].before, changes["Phones handed in per school day"].now) == \
        (1.7, 4.0)
    assert changes["Confiscations"].words == f"{UP} up 200%"  # 3 against 1
    assert changes["Left uncollected overnight"].words == f"{UP} up from none"
    assert (changes["Searches"].now, changes["Searches"].before) == (2, 0)
    assert term.now.start == date(2026, 11, 2) and term.before.start == date(2025, 11, 2)
    term_changes = {c.measure: c for c in term.changes}
    assert term_changes["Phones handed in per school day"].words == f"{UP} up 100%"  # 4.0 against 2.0


def test_a_year_without_records_before_it_is_the_baseline(years):
    last_year = period("year", date(2026, 3, 1), years.settings)
    assert (last_year.start, last_year.end) == (date(2025, 9, 2), date(2026, 7, 22))
    [year, *_] = impact(last_year, years.settings, today=MADE_ON)
    assert not year.comparable and all(c.before is None for c in year.changes)
    f = review_figures(last_year, years.settings, today=MADE_ON, include_safeguarding=True)
    assert (f.consistency.handed_in, f.consistency.school_days, f.confiscations.total) == (5, 3, 1)
    assert f.confiscations.ladder[0].median_days_held == 1.1


def test_trend_words_for_each_direction():
    assert Change("x", 3, 4).words == f"{DOWN} down 25%"
    assert Change("x", 4, 4).words == f"{SAME} no change"
    assert Change("x", None, 4).words == "no records to compare"


def test_the_pack_reads_back_its_figures(years, tmp_path):
    pdf = review_pack(THIS_YEAR, years.settings, include_safeguarding=True, today=MADE_ON,
                      made_at=datetime(2026, 12, 9, 9, 0, tzinfo=UTC))
    path = tmp_path / "pack.pdf"
    path.write_bytes(pdf)
    text = " ".join(pdf_text(path).split())
    for expected in ("8 (4 a school day) ▲ up 135%", "66.7%", "Year 11 1 0 0.0%",
                     "3 (released 2, still held 0) ▲ up 200%",
                     "1 of 2 (50.0%)", "Hugh Grant-Ellis 1", "Not recorded 1", "phones handed to the police 1",
                     "AQA November 2026 1", "Young carer 1", "by December 2027", "The headteacher's commentary",
                     "102 staff hours a week"):
        assert expected in text, expected
    for name in ("Zoë", "Łukasz", "Nowakowski", "Aoife", "Leo", "a vape", "lock screen"):
        assert name not in text, f"{name} is named in the pack"
    assert _pages(path) >= 5


def test_next_review_is_a_year_on():
    assert next_review_due(date(2026, 12, 9)) == date(2027, 12, 9)
    assert next_review_due(date(2028, 2, 29)) == date(2029, 2, 28)


def test_the_inspection_summary_is_one_page_with_the_verified_chain_head(years, tmp_path):
    from kiosk.db.models import AuditHead

    made = datetime(2026, 12, 9, 9, 0, tzinfo=UTC)
    records = check_records(years.keyring.audit_key, at=made)
    assert records.ok and records.head_seq == AuditHead.get_by_id(1).seq
    path = tmp_path / "inspection.pdf"
    path.write_bytes(inspection_summary(years.settings, today=MADE_ON, made_at=made, records=records))
    assert _pages(path) == 1
    text = " ".join(pdf_text(path).split())
    assert "term 2 Nov 2026 – 18 Dec 2026" in text
    assert "Year 9 2 100.0% 3" in text and "Year 11 1 0.0% 0" in text
    assert "2 1 1 0 50.0%" in text  # pupils, once, twice, three or more, repeat rate
    assert f"entry {records.head_seq:,}, seal {records.head_chain[:16]}" in text
    assert "Yes:" in text and "Zoë" not in text


def test_the_inspection_summary_says_when_the_trail_fails(fresh, tmp_path):
    years = fresh
    from kiosk.db.models import Custody

    Custody.update(reason_category="edited by hand").where(Custody.reason_category == "used on site").execute()
    records = check_records(years.keyring.audit_key, at=datetime(2026, 12, 9, 9, 0, tzinfo=UTC))
    assert not records.ok
    path = tmp_path / "inspection.pdf"
    path.write_bytes(inspection_summary(years.settings, today=MADE_ON, made_at=records.checked_at, records=records))
    assert "NO:" in " ".join(pdf_text(path).split())


def test_the_commands_write_both_papers(fresh, tmp_path):
    years = fresh
    code, out, err = years.cli("report", "review-pack", "--out", str(tmp_path), "--as", "PS", stdin=DSL_PIN + "\n")
    assert code == 0, err
    pack = tmp_path / "review-pack-2026-12-09.pdf"
    # Made by the DSL: the hold is counted by its kind, which only their key reads.
    assert pack.is_file() and "Suspected indecent image or video of a child 1" in " ".join(pdf_text(pack).split())
    code, out, err = years.cli("report", "inspection", "--out", str(tmp_path / "insp.pdf"))
    assert code == 0, (out, err)
    assert "verified" in out and _pages(tmp_path / "insp.pdf") == 1
    # A folder that is not there (a scheduled task's typo) is no file called "reports": refused, nothing written.
    code, out, err = years.cli("report", "inspection", "--out", str(tmp_path / "reports"))
    assert code == 1 and "neither a folder here nor a .pdf file name" in out + err
    assert not (tmp_path / "reports").exists()


def test_the_figures_are_the_same_on_each_database(any_school):
    years = two_school_years(any_school)
    f = review_figures(THIS_YEAR, years.settings, today=MADE_ON, include_safeguarding=True)
    assert (f.consistency.handed_in, f.consistency.share, f.consistency.left_overnight) == (8, 66.7, 1)
    assert [g.share for g in f.consistency.by_year] == [50.0, 100.0, 100.0, 0.0]
    assert [(r.confiscations, r.median_days_held) for r in f.confiscations.ladder] == [(2, 1.1), (1, 0.8), (0, None)]
    assert (f.releases.early, f.safeguarding and f.safeguarding.police_handovers) == (1, 1)
    assert f.exceptions.expired == 1 and f.workload.seconds_per_hand_in == 10.0
    [year, _term] = impact(THIS_YEAR, years.settings, today=MADE_ON)
    assert year.comparable and {c.measure: c.before for c in year.changes}["Confiscations"] == 1
