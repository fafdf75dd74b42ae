"""The release screen's choice of collector as the MIS knows each carer (issue 16): MUST NOT COLLECT marked, the
court-order note shown in full as text (its [brackets] too); the office is refused, the DSL ticks the note and
releases; the pupil page lists the same."""

from __future__ import annotations

from textual.widgets import Static

from kiosk.custody import State
from kiosk.db import Custody
from kiosk.widgets.collector_choice import CollectorChoice
from kiosk.widgets.tick_box import TickBox
from tests.carers_support import ARBOR, COURT_NOTE, import_contacts
from tests.conftest import DSL_PIN, OFFICE_PIN
from tests.tui_helpers import kiosk_app, message, open_release, save_release, shown, signed_in, widget_text


def _restrictions(release) -> str:
    return " ".join(" ".join(str(s.content).split()) for s in release.query(".collector-restriction").results(Static))


async def _release_screen_for_zoe(pilot, school):
    release = await open_release(pilot, school.tag_of(school.pupils[0]))
    choice = release.query_one(CollectorChoice)
    father = next(c for c in choice.carers if c.name == "Mr Evan Hall")
    return release, choice, father


async def _try_release(pilot, release) -> None:
    await save_release(pilot, release, pin=DSL_PIN if release.ctx.who.initials == "PS" else OFFICE_PIN)


async def test_the_office_sees_must_not_collect_with_the_note_and_is_refused(school, tmp_path):
    import_contacts(school, tmp_path, ARBOR)
    held = school.confiscate(0)
    school.after_school()
    async with signed_in(kiosk_app(school, idle_lock_seconds=3600), size=(160, 45)) as pilot:
        app = pilot.app
        release, choice, father = await _release_screen_for_zoe(pilot, school)
        assert "Mr Evan Hall ✖ MUST NOT COLLECT · Father · priority 2" in shown(app)
        assert "Mrs Dana Hall · Mother · priority 1 · ✔ parental responsibility · ✔ may collect" in shown(app)
        assert COURT_NOTE in _restrictions(release)  # in full, brackets and all, before anyone is chosen
        choice.choose(father.id)
        await pilot.pause()
        assert release.query_one("#must-not-box").display
        assert not release.query_one("#must-not-ack").display  # nothing for the office to tick
        assert "Only the DSL can release" in widget_text(app, "#must-not")
        await _try_release(pilot, release)
        assert "MUST NOT COLLECT" in message(app, "#release-error") or "MUST NOT COLLECT" in message(app)
        assert Custody.get_by_id(held.custody_id).state == State.HELD_FOR_PARENT
        assert release.receipt is None


async def test_the_dsl_ticks_the_note_and_releases(school, tmp_path):
    import_contacts(school, tmp_path, ARBOR)
    held = school.confiscate(0)
    school.after_school()
    async with signed_in(kiosk_app(school, idle_lock_seconds=3600), "PS", DSL_PIN) as pilot:
        app = pilot.app
        release, choice, father = await _release_screen_for_zoe(pilot, school)
        choice.choose(father.id)
        await pilot.pause()
        assert release.query_one("#must-not-ack").display
        assert COURT_NOTE in _restrictions(release)
        await _try_release(pilot, release)
        assert "Tick to confirm you have read the note" in message(app, "#release-error")
        assert Custody.get_by_id(held.custody_id).state == State.HELD_FOR_PARENT
        release.query_one("#must-not-ack", TickBox).value = True
        await _try_release(pilot, release)
        assert Custody.get_by_id(held.custody_id).state == State.RELEASED
        assert "must not collect (on the receipt)" in shown(app)


def test_the_pupil_page_lists_each_carer_as_the_mis_knows_them(school, tmp_path):
    from kiosk.custody.queries import carers_on_roster
    from kiosk.screens.pupil import PupilScreen

    import_contacts(school, tmp_path, ARBOR)
    text = PupilScreen.carers_text(carers_on_roster(pupil_id=school.pupils[0].id))
    assert text.plain.splitlines() == [
        "Carers",
        "1. Mrs Dana Hall (Mother) · 07700 900101 · ✔ parental responsibility · ✔ may collect · dana.hall@example.org",
        "2. Mr Evan Hall (Father) · 07700 900102 · ✔ parental responsibility · evan.hall@example.org",
        "  ✖ MUST NOT COLLECT (MIS): only the DSL can release a phone to them.",
        f"Note: {COURT_NOTE}",
        "3. Mr Joe Hall (Grandparent) · 07700 900103 · no parental responsibility · ✔ may collect",
    ]
