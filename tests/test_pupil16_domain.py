"""Issue 16's last read models and the tag's phone, on real SQLite (the `school` fixture): the DSL's sign-in alert
naming police cases awaiting an outcome; the pupil page's history naming each link of the chain in full and keeping
examinations to those who may record one; a pupil's tag carrying the phone's particulars, sealed."""

from __future__ import annotations

from datetime import date

from kiosk.custody.queries.sign_in_alert import dsl_sign_in_alert
from tests.dsl_case_support import with_the_police


def test_the_sign_in_alert_names_police_cases_awaiting_an_outcome_and_the_oldest_age(school):
    s = school
    tz = s.settings.tz
    assert dsl_sign_in_alert().police == () and not dsl_sign_in_alert().anything
    with_the_police(s, 0)  # Mon 30 Nov
    today = date(2026, 11, 30)
    assert dsl_sign_in_alert().police_words(today=today, tz=tz) == \
        "1 phone with the police awaiting an outcome (handed over today)"
    s.clock.advance(days=3)
    with_the_police(s, 1)  # Thu 3 Dec
    alert = dsl_sign_in_alert()
    assert alert.anything and alert.holds == ()  # with the police: no longer on a hold
    assert alert.police_words(today=date(2026, 12, 12), tz=tz) == \
        "2 phones with the police awaiting an outcome (oldest 12 days)"
    assert alert.police_words(today=date(2026, 12, 1), tz=tz) == \
        "2 phones with the police awaiting an outcome (oldest 1 day)"
