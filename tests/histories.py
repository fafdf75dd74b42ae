"""Histories several test modules seed through the domain, as the desks would have written them."""

from __future__ import annotations

from datetime import UTC, datetime

from kiosk.custody import close_day, hand_back, hand_in
from kiosk.custody.queries import carers_to_contact
from kiosk.custody.release import release_to_carer
from kiosk.custody.safeguarding import PoliceHandover, flag_safeguarding, hand_to_police
from kiosk.custody.searches import record_search
from tests.conftest import DSL_PIN, OFFICE_PIN, School


def old_school_year(s: School) -> tuple[int, int]:
    """September 2022: a daily cycle, a released confiscation, a search, a police case. Then today's day.
    Returns the released confiscation's and the police case's custody ids."""
    s.clock.set(datetime(2022, 9, 12, 8, 0, tzinfo=UTC))
    for i in range(3):
        hand_in(s.ctx(), s.scanned(i))
    s.clock.set(datetime(2022, 9, 12, 15, 0, tzinfo=UTC))
    for i in range(2):
        hand_back(s.ctx(), s.scanned(i))
    close_day(s.ctx())
    taken = s.confiscate(3, by="Mr Ellis", reason="used in lesson", location="Room 4", condition=["in a case"],
                         seal="OLD-1")
    release_to_carer(s.ctx(), taken.custody_id, pin=OFFICE_PIN, id_seen="passport",
                     carer_id=carers_to_contact(pupil_id=s.pupils[3].id)[0].id)
    record_search(s.ctx(), pupil_id=s.pupils[4].id, searched_by_name="Mrs Adams", authorised_by_name="Head",
                  grounds="reported filming", found="nothing", dsl_informed=True, parent_informed=True)
    police = s.confiscate(5, by="Mr Ellis", reason="other breach", location="Yard", condition=[], seal="OLD-2")
    flag_safeguarding(s.ctx(), police.custody_id, concern="indecent image reported", acknowledged=True,
                      kind="risk_of_harm")
    hand_to_police(s.ctx(s.signed_in("PS")), police.custody_id,
                   PoliceHandover("PC A. Lane", "77", "Kent Police", "46/1/22", "EV-1"), pin=DSL_PIN)
    s.clock.set(datetime(2026, 11, 30, 8, 30, tzinfo=UTC))
    hand_in(s.ctx(), s.scanned(0))
    return taken.custody_id, police.custody_id
