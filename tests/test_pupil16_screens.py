"""Issue 16's last screen-side gaps, seen at the desk (Pilot, on the `school` fixture): the Reports screen's exam
table with the JCQ M1 columns; the DSL's sign-in alert naming police cases awaiting an outcome; the pupil page's
examinations and its history naming each link of the chain in full; the phone's particulars on a pupil's tag,
recorded from the pupil page, shown at hand back and copied to the confiscation form."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from kiosk.custody.confiscation import ExamDetails
from kiosk.custody.safeguarding import flag_safeguarding
from kiosk.screens.reports import ReportsScreen
from kiosk.screens.safeguarding import HoldsAlert, HoldsScreen
from tests.conftest import DSL_PIN, HEAD_PIN
from tests.dsl_case_support import with_the_police
from tests.tui_helpers import keep_shot, kiosk_app, open_screen, settle, shown, signed_in, wait_for

EXAM = "found during an exam"


def rows_of(table: DataTable) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(index)] for index in range(table.row_count)]


def columns_of(table: DataTable) -> list[str]:
    return [str(column.label) for column in table.columns.values()]


@pytest.mark.parametrize("size", [(80, 24), (160, 45)], ids=["80x24", "160x45"])
async def test_the_reports_exam_table_shows_the_jcq_columns(school, size):
    school.confiscate(4, reason=EXAM, exam=ExamDetails(board="AQA", paper="8300/1H", room="Sports hall",
                                                       invigilator="Mrs K. Invig", candidate_number="4021",
                                                       switched_on=True, on_person=False, warning_displayed=True))
    async with signed_in(kiosk_app(school), size=size) as pilot:
        screen = await open_screen(pilot, "f11", ReportsScreen)
        await wait_for(pilot, lambda: screen.figures is not None, "the day's figures")
        await pilot.pause()
        table = screen.query_one("#exams", DataTable)
        columns = columns_of(table)
        [row] = rows_of(table)
        m1 = "on yes · on person no · warning shown yes · info issued ? · reminded ?"
        if size[0] >= 120:
            assert columns == ["When", "Pupil", "Form", "Board", "Paper", "Cand. no.", "Invigilator", "Room",
                               "M1 answers"]
            assert row[1:] == ["Ruby Mitchell", "7C", "AQA", "8300/1H", "4021", "Mrs K. Invig", "Sports hall", m1]
        else:  # the exam's particulars a line each, in one column
            assert columns == ["When", "Pupil", "Exam", "M1 answers"]
            assert row[1:] == ["Ruby Mitchell · 7C", "AQA 8300/1H\ncand. no. 4021\nMrs K. Invig",
                               m1.replace(" · ", "\n")]
        # Nothing runs off the right-hand side at 80 columns: the table fits the screen.
        assert table.virtual_size.width <= screen.size.width, (table.virtual_size, size)
        table.scroll_visible(animate=False, top=True)
        await pilot.pause()
        keep_shot(pilot.app, "reports-exams")


async def test_the_dsl_is_told_at_sign_in_of_police_cases_awaiting_an_outcome(school):
    s = school
    with_the_police(s, 0)
    with_the_police(s, 1)
    s.clock.advance(days=12)
    async with signed_in(kiosk_app(s), "PS", DSL_PIN, size=(80, 24)) as pilot:
        await settle(pilot)
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, HoldsAlert), "the sign-in alert")
        said = shown(pilot.app)
        # No phone is on a hold now: the alert is for the police cases alone, and says so in its title.
        assert "2 phones with the police awaiting an outcome (oldest 12 days)" in said
        assert "on a safeguarding hold" not in said
        keep_shot(pilot.app, "sign-in-alert-police")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, HoldsScreen)


async def test_the_sign_in_alert_names_the_holds_and_the_police_cases_together(school):
    s = school
    with_the_police(s, 0)
    s.clock.advance(days=2)
    receipt = s.confiscate(1)
    flag_safeguarding(s.ctx(), receipt.custody_id, concern="a worry", acknowledged=True, kind="risk_of_harm")
    for size in ((80, 24), (160, 45)):
        async with signed_in(kiosk_app(s), "HG", HEAD_PIN, size=size) as pilot:
            await settle(pilot)
            await wait_for(pilot, lambda: isinstance(pilot.app.screen, HoldsAlert), "the sign-in alert")
            said = shown(pilot.app)
            assert "1 phone is on a safeguarding hold" in said
            assert "1 phone with the police awaiting an outcome (2 days)" in said
            keep_shot(pilot.app, "sign-in-alert-both")
