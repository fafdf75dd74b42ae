"""Two school years of a small fictional school, for the review pack and the inspection summary: every figure
in tests/test_review_pack.py is counted by hand from the list below.

Roll (tests/conftest.py): 0 Zoë 9C, 1 Łukasz 9C, 2 Minh 10HA, 3 Aoife 7C, 4 Ruby 7C, 5 Leo 11B (Y7 2, Y9 2, Y10 1,
Y11 1). All times UTC (London is on GMT in December; the September days are BST, which moves no day).

2025/26 (last year):
  Tue 2 Sep 2025   08:30 Leo hands in; 15:10 handed back.
  Mon 1 Dec 2025   08:30 Zoë, Łukasz, Minh hand in 10 s apart; 15:10 all three handed back 20 s apart.
  Tue 2 Dec 2025   08:30 Zoë hands in; 10:00 confiscated "used in lesson" (rung 1).
  Wed 3 Dec 2025   12:00 released to her mother (parental responsibility): held 26 hours.
2026/27 (this year):
  Mon 30 Nov 2026  08:30 Zoë, Łukasz, Minh, Aoife hand in 10 s apart; 15:10 Zoë, Łukasz, Minh handed back 20 s
                   apart; 17:00 close of day: Aoife's phone left overnight.
  Tue 1 Dec 2026   08:30 Zoë, Łukasz, Minh, Ruby hand in 10 s apart; 10:00 Zoë confiscated "used in lesson" and
                   Łukasz "found during an exam" (AQA), both rung 1; 11:00 Leo searched, nothing found, DSL informed;
                   15:10 Minh and Aoife handed back 20 s apart (Ruby's phone stays: no close of day).
  Wed 2 Dec 2026   12:00 Zoë's phone released to her mother (26 hours); 13:00 Zoë confiscated again "used on site"
                   (rung 2, held to the next school day); 13:30 Łukasz's phone put on a safeguarding hold (no kind
                   of concern asked: "not recorded"); 14:00 handed to the police; 14:30 Leo searched, a vape found,
                   parent informed.
  Thu 3 Dec 2026   08:30 Zoë's phone released early to her grandparent (no parental responsibility), authorised by
                   the head, Hugh Grant-Ellis: held 19.5 hours.
  Exceptions: Aoife medical 1 Sep – 30 Nov 2026 (ended); Ruby young carer from 1 Sep 2026 (in force).
The pack is made on Wed 9 Dec 2026.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from kiosk.custody import close_day, hand_back, hand_in
from kiosk.custody.confiscation import ExamDetails
from kiosk.custody.exceptions import add_exception
from kiosk.custody.queries import carers_to_contact
from kiosk.custody.release import Authorisation, release_to_carer
from kiosk.custody.safeguarding import PoliceHandover, flag_safeguarding, hand_to_police
from kiosk.custody.searches import record_search
from tests.conftest import DSL_PIN, HEAD_PIN, OFFICE_PIN, School

TERMS = (("2025-09-02", "2025-10-24"), ("2025-11-03", "2025-12-19"), ("2026-01-05", "2026-02-13"),
         ("2026-02-23", "2026-03-27"), ("2026-04-13", "2026-05-22"), ("2026-06-01", "2026-07-22"),
         ("2026-09-02", "2026-10-23"), ("2026-11-02", "2026-12-18"), ("2027-01-05", "2027-02-12"),
         ("2027-02-22", "2027-03-26"), ("2027-04-12", "2027-05-28"), ("2027-06-07", "2027-07-21"))
MADE_ON = date(2026, 12, 9)


def _at(s: School, y: int, m: int, d: int, hh: int, mm: int) -> None:
    s.clock.set(datetime(y, m, d, hh, mm, tzinfo=UTC))


def _hand_in(s: School, *pupils: int) -> None:
    for i in pupils:
        hand_in(s.ctx(), s.scanned(i))
        s.clock.advance(seconds=10)


def _hand_back(s: School, *pupils: int) -> None:
    for i in pupils:
        hand_back(s.ctx(), s.scanned(i))
        s.clock.advance(seconds=20)


def _release(s: School, custody_id: int, pupil: int, carer: int, **more: object) -> None:
    release_to_carer(s.ctx(), custody_id, pin=OFFICE_PIN, id_seen="passport",
                     carer_id=carers_to_contact(pupil_id=s.pupils[pupil].id)[carer].id, **more)  # type: ignore[arg-type]


def two_school_years(school: School) -> School:
    s = replace(school, settings=replace(school.settings, terms=TERMS))
    # 2025/26
    _at(s, 2025, 9, 2, 8, 30)
    _hand_in(s, 5)
    _at(s, 2025, 9, 2, 15, 10)
    _hand_back(s, 5)
    _at(s, 2025, 12, 1, 8, 30)
    _hand_in(s, 0, 1, 2)
    _at(s, 2025, 12, 1, 15, 10)
    _hand_back(s, 0, 1, 2)
    _at(s, 2025, 12, 2, 8, 30)
    _hand_in(s, 0)
    _at(s, 2025, 12, 2, 10, 0)
    last_year = s.confiscate(0, reason="used in lesson", seal="A-1")
    _at(s, 2025, 12, 3, 12, 0)
    _release(s, last_year.custody_id, 0, 0)
    # 2026/27
    _at(s, 2026, 11, 30, 8, 30)
    _hand_in(s, 0, 1, 2, 3)
    _at(s, 2026, 11, 30, 15, 10)
    _hand_back(s, 0, 1, 2)
    _at(s, 2026, 11, 30, 17, 0)
    close_day(s.ctx())
    _at(s, 2026, 12, 1, 8, 30)
    _hand_in(s, 0, 1, 2, 4)
    _at(s, 2026, 12, 1, 10, 0)
    first = s.confiscate(0, reason="used in lesson", seal="B-1")
    exam = s.confiscate(1, reason="found during an exam", seal="B-2",
                        exam=ExamDetails(board="AQA", paper="8300/1H", room="Hall"))
    _at(s, 2026, 12, 1, 11, 0)
    record_search(s.ctx(), pupil_id=s.pupils[5].id, searched_by_name="Mrs A. Adams", authorised_by_name="Head",
                  grounds="reported filming", found="nothing", dsl_informed=True, parent_informed=False)
    _at(s, 2026, 12, 1, 15, 10)
    _hand_back(s, 2, 3)
    _at(s, 2026, 12, 2, 12, 0)
    _release(s, first.custody_id, 0, 0)
    _at(s, 2026, 12, 2, 13, 0)
    second = s.confiscate(0, reason="used on site", seal="B-3")
    _at(s, 2026, 12, 2, 13, 30)
    dsl = s.ctx(s.signed_in("PS"))
    flag_safeguarding(dsl, exam.custody_id, concern="messages on the lock screen", acknowledged=True,
                      kind="indecent_image")
    _at(s, 2026, 12, 2, 14, 0)
    hand_to_police(dsl, exam.custody_id, PoliceHandover(officer_name="PC Lane", officer_number="4471",
                                                        force="Kent Police", crime_reference="KP/0001/26",
                                                        seal_number="EV-1"), pin=DSL_PIN)
    _at(s, 2026, 12, 2, 14, 30)
    record_search(s.ctx(), pupil_id=s.pupils[5].id, searched_by_name="Mrs A. Adams", authorised_by_name="Head",
                  grounds="smell of vape", found="a vape", dsl_informed=False, parent_informed=True)
    _at(s, 2026, 12, 3, 8, 30)
    _release(s, second.custody_id, 0, 1, no_pr_acknowledged=True,
             authorisation=Authorisation("HG", HEAD_PIN, "family emergency"))
    add_exception(s.ctx(s.signed_in("HG")), pupil_id=s.pupils[3].id, kind="medical", valid_from=date(2026, 9, 1),
                  valid_to=date(2026, 11, 30))
    add_exception(s.ctx(s.signed_in("HG")), pupil_id=s.pupils[4].id, kind="young carer",
                  valid_from=date(2026, 9, 1), valid_to=None)
    _at(s, 2026, 12, 9, 9, 0)
    return s
