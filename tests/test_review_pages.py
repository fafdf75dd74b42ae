"""The review pack's pages as a governor reads them (found by looking at every page as a PNG): a short table is
never split with a row or two alone on a page; a chart that would show nothing, or one bar, is a sentence instead;
small desk times are said in minutes with the right plural; the inspection page has no "median — days"."""

from __future__ import annotations

import subprocess
from datetime import UTC, date, datetime

from kiosk.reports.inspection import check_records, inspection_summary
from kiosk.reports.periods import Period
from kiosk.reports.review_pack import review_pack
from tests.review_support import MADE_ON
from tests.test_review_pack import THIS_YEAR, seeded, years  # noqa: F401 - the two seeded years, shared

MADE = datetime(2026, 12, 9, 9, 0, tzinfo=UTC)


def _pages(pdf: bytes, folder) -> list[str]:
    path = folder / "paper.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    count = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    return [" ".join(subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), "-layout", str(path), "-"],
                                    capture_output=True, text=True, check=True).stdout.split())
            for n in range(1, count + 1)]


def test_a_short_table_is_kept_on_one_page(years, tmp_path):  # noqa: F811
    pages = _pages(review_pack(THIS_YEAR, years.settings, include_safeguarding=True, today=MADE_ON, made_at=MADE),
                   tmp_path)
    # The consistency forms (the one the first page used to end with, header and "7C" alone) and the impact
    # tables with the legend that explains their arrows.
    for rows in (["7C 2 2 50.0%", "9C 2 4 100.0%", "10HA 1 2 100.0%", "11B 1 0 0.0%"],
                 ["Year 7 2 0 0.0", "Year 9 2 3 150.0", "Year 10 1 0 0.0", "Year 11 1 0 0.0"],
                 ["Phones handed in per school day 4 2 ▲ up 100%", "▲ up, ▼ down, = no change"],
                 # and a section's heading never alone at the foot of a page, its first table overleaf
                 ["5. Impact over time", "Phones handed in per school day 4 1.7 ▲ up 135%"]):
        assert sum(all(row in page for row in rows) for page in pages) == 1, rows


def test_desk_time_is_said_in_minutes_with_the_right_plural(years, tmp_path):  # noqa: F811
    text = " ".join(_pages(review_pack(THIS_YEAR, years.settings, include_safeguarding=True, today=MADE_ON,
                                       made_at=MADE), tmp_path))
    # 8 hand-ins at 10 s and 5 hand-backs at 20 s: 180 s in the one school week with scans; 60 s a confiscation.
    assert "3 minutes (3 minutes a school week)" in text
    assert "3 minutes in 1 school week: 3 minutes a week" in text
    assert "1 minute of hand-in and hand-back time for each of the 3 confiscations" in text
    assert "school weeks:" not in text and "0 hours" not in text


def test_charts_with_nothing_to_show_are_a_sentence(years, tmp_path):  # noqa: F811
    # Last year's first term: one hand-in (Leo's, 2 Sep 2025), no confiscation, nobody left a phone overnight.
    term = Period(date(2025, 9, 2), date(2025, 10, 24), "term 2 Sep 2025 – 24 Oct 2025")
    text = " ".join(_pages(review_pack(term, years.settings, include_safeguarding=True, today=MADE_ON, made_at=MADE),
                           tmp_path))
    assert "Confiscations per week: no phone was confiscated during the period." in text
    assert "week by week: no phone was left in the office overnight during the period." in text
    assert "Confiscations by reason" not in text
    assert "not measured: no two scans at a desk came close enough together to time" in text
    assert "none (no confiscations)" in text and "0 of 0" not in text
    # A week's pack: one bar across the page says less than the table beside it.
    week = Period(date(2026, 11, 30), date(2026, 12, 4), "week beginning 30 November 2026")
    text = " ".join(_pages(review_pack(week, years.settings, include_safeguarding=False, today=MADE_ON,
                                       made_at=MADE), tmp_path))
    assert "Confiscations per week: one week only, so no chart" in text


def test_the_inspection_ladder_names_no_median_for_an_empty_rung(years, tmp_path):  # noqa: F811
    records = check_records(years.keyring.audit_key, at=MADE)
    [page] = _pages(inspection_summary(years.settings, today=MADE_ON, made_at=MADE, records=records), tmp_path)
    assert "3rd rung: 0." in page and "median — days" not in page
    assert "Desk time a school week 3 minutes" in page
