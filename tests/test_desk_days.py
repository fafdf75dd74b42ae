"""Desk time and the day-by-day counts are bucketed by the school's calendar day, also on the nights the clocks
change: the first review pack works each day out from a year of scans at once (kiosk/reports/figures.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from kiosk.custody import hand_back, hand_in
from kiosk.reports.figures import daily_lines, desk_time
from kiosk.reports.periods import Period

# Around the end of British Summer Time (Sunday 25 October 2026, 02:00 BST → 01:00 GMT).
SCANS = (
    # (UTC instant of the first of four scans 10 s apart, the school's day they belong to)
    (datetime(2026, 10, 23, 22, 50, tzinfo=UTC), date(2026, 10, 23)),  # 23:50 BST Friday
    (datetime(2026, 10, 23, 23, 10, tzinfo=UTC), date(2026, 10, 24)),  # 00:10 BST Saturday
    (datetime(2026, 10, 24, 23, 30, tzinfo=UTC), date(2026, 10, 25)),  # 00:30 BST Sunday, before the change
    (datetime(2026, 10, 25, 23, 30, tzinfo=UTC), date(2026, 10, 25)),  # 23:30 GMT Sunday, after it
    (datetime(2026, 10, 26, 0, 10, tzinfo=UTC), date(2026, 10, 26)),  # 00:10 GMT Monday
)
DAYS = Period(date(2026, 10, 23), date(2026, 10, 26), "the weekend the clocks went back")


def test_scans_count_on_the_schools_day_either_side_of_the_clocks_changing(any_school):
    s = any_school
    expected: dict[date, int] = {}
    for first, day in SCANS:  # two phones in, then both back: four scans, three 10 s gaps
        s.clock.set(first)
        for scan, pupil in ((hand_in, 0), (hand_in, 1), (hand_back, 0), (hand_back, 1)):
            scan(s.ctx(), s.scanned(pupil))
            s.clock.advance(seconds=10)
        expected[day] = expected.get(day, 0) + 2
    # Worked out from the scans (the days are finished), then read back as kept: the same both times.
    for _ in range(2):
        lines = daily_lines(DAYS, s.settings, today=date(2026, 11, 2))
        assert {line.day: (line.handed_in, line.handed_back) for line in lines if line.handed_in} == {
            day: (n, n) for day, n in expected.items()}
        t = desk_time(DAYS, s.settings, today=date(2026, 11, 2))
        assert (t.hand_ins, t.hand_backs) == (10, 10)
        assert t.seconds_per_hand_in == 10.0 and t.seconds_per_hand_back == 10.0
        # Each group is 30 s at the desk (the groups are far apart): Sunday has two groups, so 60 s.
        assert t.minutes_per_day == {day: round(30 * n / 2 / 60, 1) for day, n in expected.items()}


def test_each_desk_is_timed_from_its_own_previous_scan(any_school):
    """Two desks scanning at once: a desk's gap is to its own last scan, not to the other desk's in between."""
    s = any_school
    office = s.office
    second = replace(office, desk="Reception 2")
    s.clock.set(datetime(2026, 12, 1, 8, 30, tzinfo=UTC))
    for desk, pupil in ((office, 0), (second, 1), (office, 2), (second, 3), (office, 4)):
        hand_in(s.ctx(desk), s.scanned(pupil))
        s.clock.advance(seconds=12)
    t = desk_time(Period(date(2026, 12, 1), date(2026, 12, 1), "Tuesday"), s.settings, today=date(2026, 12, 2))
    # Reception 1 at 0, 24 and 48 s: two 24 s gaps; Reception 2 at 12 and 36 s: one 24 s gap.
    assert t.hand_ins == 5 and t.seconds_per_hand_in == 24.0
    assert t.minutes_per_day == {date(2026, 12, 1): round(72 / 60, 1)}
