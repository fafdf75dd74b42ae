"""Dates and times in the office's words, the same on every PC (kiosk/formatting.py)."""

import re
from datetime import date, datetime
from pathlib import Path

from kiosk import formatting as f

MONDAY = datetime(2026, 12, 7, 8, 5, 9)
KIOSK = Path(__file__).resolve().parents[1] / "kiosk"


def test_each_wording_of_a_monday_morning():
    assert f.clock_time(MONDAY) == "08:05"
    assert f.clock_time_seconds(MONDAY) == "08:05:09"
    assert f.day_month(MONDAY) == "7 Dec"
    assert f.short_date(MONDAY) == "7 Dec 2026"
    assert f.weekday(MONDAY) == "Mon"
    assert f.weekday_date(MONDAY) == "Mon 7 Dec"
    assert f.weekday_date_year(MONDAY) == "Mon 7 Dec 2026"
    assert f.weekday_date_time(MONDAY) == "Mon 7 Dec 08:05"
    assert f.weekday_time(MONDAY) == "Mon 08:05"
    assert f.weekday_date_year_time(MONDAY) == "Mon 7 Dec 2026 08:05"
    assert f.short_date_time(MONDAY) == "7 Dec 2026 08:05"
    assert f.long_day(MONDAY) == "Monday 7 December"
    assert f.long_date(MONDAY) == "Monday 7 December 2026"
    assert f.long_date_time(MONDAY) == "Monday 7 December 2026 at 08:05"
    assert f.day_month_year(MONDAY) == "7 December 2026"
    assert f.day_month_year_time(MONDAY) == "7 December 2026 at 08:05"
    assert f.month_year(MONDAY) == "Dec 2026"
    assert f.typed_date(date(2026, 3, 1)) == "1/3/2026"
    assert f.time_on_day(MONDAY) == "08:05 on Mon 7 Dec"


def test_today_is_a_bare_time_and_another_day_names_its_date():
    assert f.moment(MONDAY, date(2026, 12, 7)) == "08:05"
    assert f.moment(MONDAY, date(2026, 12, 8)) == "Mon 7 Dec 08:05"
    assert f.since(MONDAY, date(2026, 12, 7)) == "today 08:05"
    assert f.since(MONDAY, date(2026, 12, 9)) == "Mon 7 Dec 08:05"
    assert f.moment_or_year(MONDAY, date(2026, 12, 31)) == "Mon 7 Dec 08:05"
    assert f.moment_or_year(MONDAY, date(2027, 1, 4)) == "7 Dec 2026 08:05"


def test_every_day_of_a_leap_year_matches_the_english_calendar():
    # The words come from the module's own tables (a PC whose locale names days in another language words them the
    # same); here they are checked against this machine's C-locale names for every day of a leap year.
    day = date(2028, 1, 1)
    while day.year == 2028:
        assert f.weekday_date_year(day) == f"{day:%a} {day.day} {day:%b} {day.year}"
        assert f.long_date(day) == f"{day:%A} {day.day} {day:%B} {day.year}"
        day = date.fromordinal(day.toordinal() + 1)


def test_no_module_uses_a_format_windows_rejects():
    # strftime's dash flag (unpadded day, month or hour) raises ValueError on Windows: a phone left overnight would
    # have crashed the desk. Every date goes through kiosk/formatting.py instead.
    offenders = [f"{path.relative_to(KIOSK.parent)}:{number}: {line.strip()}"
                 for path in sorted(KIOSK.rglob("*.py"))
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if re.search(r"%-[a-zA-Z]", line)]
    assert offenders == []
