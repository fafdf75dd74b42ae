"""The name list on screen (kiosk/screens/pupil_picker.py), opened by a typed name at the desk: how many matched,
every one of them reachable by keys, the form and what tells the children apart in aligned columns, leavers marked."""

from __future__ import annotations

import pytest
from textual.widgets import OptionList

from kiosk.custody import State, find_pupils, hand_in
from kiosk.db import Custody, Pupil
from kiosk.screens.desk import DeskScreen
from kiosk.screens.pupil_picker import PupilPicker
from tests.helpers import flat
from tests.test_name_list import add_chloes
from tests.tui_helpers import kiosk_app, screen_text, settle, signed_in, type_keys, widget_text

SIZES = pytest.mark.parametrize("size", [(80, 24), (160, 45)], ids=["80x24", "160x45"])


def rows(app, *names: str) -> list[str]:
    """The lines of the screen that show one of these pupils."""
    return [line for line in screen_text(app).splitlines() if any(name in line for name in names)]


def open_phones_of(pupil) -> list[Custody]:
    return list(Custody.select().where((Custody.pupil == pupil.id) & Custody.closed_at.is_null()))


async def test_the_list_says_how_many_pupils_match(school):
    add_chloes(school)
    async with signed_in(kiosk_app(school)) as pilot:
        await type_keys(pilot, "chloe")

        assert isinstance(pilot.app.screen, PupilPicker)
        assert "24 pupils match 'chloe'" in screen_text(pilot.app)
        assert widget_text(pilot.app, "#picker-count") == "24 pupils match 'chloe'"


async def test_the_last_of_24_is_reached_by_the_arrow_key_and_chosen(school):
    add_chloes(school)
    last = Pupil.get(Pupil.legal_surname == "Wright")  # Chloé Wright, 7C: last by surname
    async with signed_in(kiosk_app(school)) as pilot:
        app = pilot.app
        await type_keys(pilot, "chloe")
        await pilot.press(*["down"] * 23)
        await pilot.pause()

        assert app.screen.query_one("#pupils", OptionList).highlighted == 23
        assert rows(app, "Chloé Wright"), "the list scrolled to the highlighted pupil"
        await pilot.press("enter")
        await settle(pilot)

        assert isinstance(app.screen, DeskScreen)
        [custody] = open_phones_of(last)
        assert custody.state == State.IN_OFFICE, "Chloé Wright's phone was handed in"


async def test_end_and_page_keys_move_through_the_whole_list(school):
    add_chloes(school)
    async with signed_in(kiosk_app(school)) as pilot:
        await type_keys(pilot, "chloe")
        names = pilot.app.screen.query_one("#pupils", OptionList)
        await pilot.press("end")
        assert names.highlighted == 23
        await pilot.press("home", "pagedown")
        assert names.highlighted and names.highlighted > 5


@SIZES
async def test_forms_of_any_length_keep_the_columns_aligned(school, size):
    add_chloes(school)  # forms 11A, 11B, 7C and 10-Sparrowhawk
    async with signed_in(kiosk_app(school), size=size) as pilot:
        await type_keys(pilot, "chloe")

        lines = rows(pilot.app, "Chloe ", "Chloé ")
        assert len(lines) >= 10
        assert any("10-Sparrowhawk" in line for line in lines) and any("7C " in line for line in lines)
        columns = {line.index("Year 1") if "Year 1" in line else line.index("Year 7") for line in lines}
        assert len(columns) == 1, "every pupil's year starts in the same column, whatever their form's length"
        forms = {line.index(form) for line in lines for form in ("11A", "11B", "7C ", "10-Sparrowhawk")
                 if form in line}
        assert len(forms) == 1


@SIZES
async def test_whose_phone_is_in_the_office_is_shown_beside_them(school, size):
    add_chloes(school)
    davies = Pupil.get(Pupil.mis_id == "200099")  # Chloe Davies, 7C
    hand_in(school.ctx(), school_resolved(school, davies))
    async with signed_in(kiosk_app(school), size=size) as pilot:
        await type_keys(pilot, "chloe davies")

        assert "2 pupils match 'chloe davies'" in screen_text(pilot.app)
        [here] = rows(pilot.app, "7C ")
        [away] = rows(pilot.app, "11A ")
        assert "phone handed in" in here and "phone" not in away


def school_resolved(school, pupil):
    from kiosk.custody import normalise, resolve

    return resolve(normalise(school.tag_of(pupil)))


async def test_a_form_typed_with_the_name_narrows_the_list(school):
    add_chloes(school)
    async with signed_in(kiosk_app(school)) as pilot:
        await type_keys(pilot, "chloe 10-sparrowhawk")

        assert isinstance(pilot.app.screen, PupilPicker)
        assert widget_text(pilot.app, "#picker-count") == "6 pupils match 'chloe 10-sparrowhawk'"
        assert pilot.app.screen.query_one("#pupils", OptionList).option_count == 6
        assert len(rows(pilot.app, "10-Sparrowhawk")) == 6


@SIZES
async def test_a_leaver_whose_phone_is_here_is_listed_and_marked(school, size):
    ruby = school.pupils[4]
    school.confiscate(4)
    Pupil.update(active=False).where(Pupil.id == ruby.id).execute()
    async with signed_in(kiosk_app(school), size=size) as pilot:
        await type_keys(pilot, "ruby")

        assert isinstance(pilot.app.screen, PupilPicker), "found, though no longer on the roll"
        [line] = rows(pilot.app, "Ruby Mitchell")
        assert "has left" in line and "phone confiscated" in line


async def test_a_list_cut_short_says_so_and_how_to_narrow_it(school):
    from kiosk.custody.lookup import PupilMatches

    async with signed_in(kiosk_app(school), size=(160, 45)) as pilot:
        few = find_pupils("a", limit=3)
        pilot.app.push_screen(PupilPicker(PupilMatches(few.pupils, total=1625), mode="HAND IN", typed="a"))
        await pilot.pause()

        assert widget_text(pilot.app, "#picker-count") == (
            "The first 3 of 1,625 pupils matching 'a': add their form or surname")
        assert len(rows(pilot.app, *(p.name for p in few))) == 3


async def test_the_hint_says_how_to_narrow_the_list(school):
    add_chloes(school)
    async with signed_in(kiosk_app(school)) as pilot:
        await type_keys(pilot, "chloe")

        assert "narrow by surname, form (11A) or year (Y11), in any order" in flat(
            widget_text(pilot.app, "#picker-hint"))
