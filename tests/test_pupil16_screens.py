"""Issue 16's last screen-side gaps, seen at the desk (Pilot, on the `school` fixture): the Reports screen's exam
table with the JCQ M1 columns; the DSL's sign-in alert naming police cases awaiting an outcome; the pupil page's
examinations and its history naming each link of the chain in full; the phone's particulars on a pupil's tag,
recorded from the pupil page, shown at hand back and copied to the confiscation form."""

from __future__ import annotations

import pytest
from textual.widgets import Button, DataTable, Input, Select

from kiosk.custody.confiscation import ExamDetails
from kiosk.custody.examinations import Authorisation, record_examination
from kiosk.custody.handovers import hand_over
from kiosk.custody.links import DSL_OFFICE, OFFICE_SAFE, Signer
from kiosk.custody.phone import PhoneParticulars
from kiosk.custody.safeguarding import flag_safeguarding
from kiosk.custody.tag_phone import record_phone_on_tag
from kiosk.db.models import Tag
from kiosk.screens.pupil import PupilScreen
from kiosk.screens.reports import ReportsScreen
from kiosk.screens.safeguarding import HoldsAlert, HoldsScreen
from kiosk.screens.tag_phone import TagPhoneDialog
from tests.conftest import DSL_PIN, HEAD_PIN
from tests.dsl_case_support import with_the_police
from tests.tui_helpers import (
    everything_on_screens,
    fill_and_save_confiscation,
    keep_shot,
    kiosk_app,
    message,
    open_confiscation,
    open_screen,
    scan,
    settle,
    shown,
    signed_in,
    wait_for,
    widget_text,
)

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
        screen = await open_screen(pilot, "ctrl+r", ReportsScreen)
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


# ── the pupil page ──────────────────────────────────────────────────────────────────────────────────────────
async def open_pupil_page(pilot, school, pupil) -> PupilScreen:
    screen = await open_screen(pilot, "f4", PupilScreen)
    await scan(pilot, school.tag_of(pupil))
    await settle(pilot)
    await wait_for(pilot, lambda: screen.pupil is not None and screen.pupil.id == pupil.id, "the pupil's page")
    await settle(pilot)
    return screen


def history_of(page: PupilScreen) -> str:
    table = page.query_one("#history", DataTable)
    return " | ".join(" ".join(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count))


@pytest.mark.parametrize("size", [(80, 24), (160, 45)], ids=["80x24", "160x45"])
async def test_the_pupil_page_shows_examinations_to_the_dsl_and_each_handover_in_full(school, size):
    s = school
    receipt = s.confiscate(0)
    s.clock.advance(minutes=20)
    hand_over(s.ctx(), receipt.custody_id, to_place=DSL_OFFICE, received_by=Signer(initials="PS", pin=DSL_PIN),
              new_seal="BAG-0077")
    s.clock.advance(minutes=20)
    hand_over(s.ctx(), receipt.custody_id, to_place=OFFICE_SAFE, released_by=Signer(name="Priya Shah"))
    record_examination(s.ctx(s.signed_in("PS")), custody_id=receipt.custody_id,
                       authorisation=Authorisation("HG", HEAD_PIN), examined_by_name="Mr H. Grant-Ellis",
                       reason="threats reported by another pupil", looked_at="messages app, one thread", erased=True,
                       erased_what="one photo", dsl_told=True, parent_told=False)
    link = ("handed over · office safe → DSL's office · bag BAG-0001 → BAG-0077 · given by Ann Adams (signed in at "
            "the desk) · taken by Priya Shah (confirmed with their PIN)")
    async with signed_in(kiosk_app(s), "PS", DSL_PIN, size=size) as pilot:
        await settle(pilot)
        if isinstance(pilot.app.screen, HoldsAlert):
            await pilot.press("escape")
        page = await open_pupil_page(pilot, s, s.pupils[0])
        assert link in history_of(page)
        assert "examined" in history_of(page)
        examinations = widget_text(pilot.app, "#pupil-examinations")
        assert ("examined by Mr H. Grant-Ellis, authorised by Hugh Grant-Ellis (head) · data erased: yes · "
                "DSL told: yes · parent told: no") in examinations
        assert "threats" not in everything_on_screens(pilot.app) and "one photo" not in everything_on_screens(pilot.app)
        # Nothing of the history runs off the right-hand side: its What column wraps.
        table = page.query_one("#history", DataTable)
        assert table.virtual_size.width <= page.size.width, (table.virtual_size, size)
        page.query_one("#examinations-title").scroll_visible(animate=False, top=True)
        await pilot.pause()
        keep_shot(pilot.app, "pupil-examinations")
    async with signed_in(kiosk_app(s), size=size) as pilot:  # the office: no examination anywhere on the page
        page = await open_pupil_page(pilot, s, s.pupils[0])
        assert link in history_of(page)
        assert "examin" not in history_of(page)
        assert not page.query_one("#pupil-examinations").display
        assert not page.query_one("#examinations-title").display


# ── the phone on a pupil's tag ──────────────────────────────────────────────────────────────────────────────
TYPED = {"make": "Apple", "model": "iPhone 13", "colour": "pink", "case": "clear case with stickers",
         "imei": "490154203237518", "damage": "chip on the bottom edge"}


@pytest.mark.parametrize("size", [(80, 24), (160, 45)], ids=["80x24", "160x45"])
async def test_the_phone_on_a_tag_is_recorded_on_the_pupil_page_shown_at_hand_back_and_starts_the_confiscation(
        school, size):
    s = school
    ruby = s.pupils[4]
    async with signed_in(kiosk_app(s), size=size) as pilot:
        app = pilot.app
        page = await open_pupil_page(pilot, s, ruby)
        assert "phone:" not in widget_text(app, "#pupil-tags")
        await pilot.press("ctrl+o")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, TagPhoneDialog)
        dialog.query_one("#phone-imei", Input).value = "490154203237519"  # a digit misread: refused, nothing kept
        dialog.query_one("#tag-phone-ok", Button).press()
        await settle(pilot)
        assert app.screen is dialog and "check digit" in message(app, "#tag-phone-error")
        for name, value in TYPED.items():
            dialog.query_one(f"#phone-{name}", Input).value = value
        dialog.query_one("#phone-sim", Select).value = "yes"
        await pilot.pause()
        keep_shot(app, "tag-phone-dialog")
        dialog.query_one("#tag-phone-ok", Button).press()
        await settle(pilot)
        await wait_for(pilot, lambda: app.screen is page, "the particulars saved and the dialog closed")
        await wait_for(pilot, lambda: "iPhone" in widget_text(app, "#pupil-tags"), "the page read again")
        assert ("phone: Apple iPhone 13, pink, case: clear case with stickers, SIM yes, IMEI 490154203237518; "
                "damage: chip on the bottom edge") in widget_text(app, "#pupil-tags")
        keep_shot(app, "pupil-tag-phone")
        await pilot.press("escape")
        await settle(pilot)

        # At the desk: handed in, then handed back; the banner names the phone to check before it leaves.
        await scan(pilot, s.tag_of(ruby))
        await settle(pilot)
        await pilot.press("f3")
        await scan(pilot, s.tag_of(ruby))
        await settle(pilot)
        notes = widget_text(app, "#notes")
        assert ("Check it is their phone: Apple iPhone 13, pink, case: clear case with stickers, SIM yes, IMEI "
                "490154203237518; damage: chip on the bottom edge") in notes
        keep_shot(app, "hand-back-tag-phone")

        # Confiscated later: the form starts from the tag's phone (to check and correct).
        form = await open_confiscation(pilot, s, ruby)
        await settle(pilot)
        await wait_for(pilot, lambda: form.query_one("#phone-make", Input).value == "Apple", "the starting values")
        assert {name: form.query_one(f"#phone-{name}", Input).value for name in TYPED} == TYPED
        assert form.query_one("#phone-sim", Select).value == "yes"
        form.query_one("#phone-damage", Input).value = "chip on the bottom edge; screen now cracked"
        await fill_and_save_confiscation(pilot, form)
        assert form.receipt is not None and form.receipt.phone is not None
        assert (form.receipt.phone.model, form.receipt.phone.damage) == (
            "iPhone 13", "chip on the bottom edge; screen now cracked")


async def test_the_confiscation_form_keeps_what_was_typed_over_the_tags_phone(school):
    s = school
    ruby = s.pupils[4]
    record_phone_on_tag(s.ctx(), tag_id=Tag.get(Tag.code == s.tag_of(ruby)).id,
                        phone=PhoneParticulars(make="Apple", model="iPhone 13", colour="pink"))
    async with signed_in(kiosk_app(s)) as pilot:
        form = await open_confiscation(pilot, s, ruby)
        await settle(pilot)
        await wait_for(pilot, lambda: form.query_one("#phone-model", Input).value == "iPhone 13", "starting values")
        assert form.query_one("#phone-make", Input).value == "Apple"
        assert form.query_one("#phone-case", Input).value == ""
    # Without particulars on the tag, the form starts empty (as it always did).
    async with signed_in(kiosk_app(s)) as pilot:
        form = await open_confiscation(pilot, s, s.pupils[3])
        await settle(pilot)
        assert all(form.query_one(f"#phone-{name}", Input).value == "" for name in TYPED)
