"""Handing a phone to the police ends the school's custody of it, as a release to a carer does: the DSL re-enters
their own PIN for it, as every release needs (policy §6.1; kiosk/custody/release.py). A wrong PIN hands nothing over
and counts toward the DSL's lockout like any step-up PIN."""

from __future__ import annotations

import pytest

from kiosk.audit import verify
from kiosk.auth import SignInRefused
from kiosk.custody import State
from kiosk.custody.safeguarding import flag_safeguarding, hand_to_police
from kiosk.db import Custody, Event
from tests.conftest import DSL_PIN
from tests.dsl_case_support import CONCERN_TEXT, HANDOVER


def test_a_police_handover_needs_the_dsls_own_pin_and_a_wrong_one_hands_nothing_over(any_school):
    s = any_school
    receipt = s.confiscate()
    flag_safeguarding(s.ctx(), receipt.custody_id, concern=CONCERN_TEXT, acknowledged=True, kind="risk_of_harm")
    dsl = s.ctx(s.signed_in("PS"))
    with pytest.raises(SignInRefused):
        hand_to_police(dsl, receipt.custody_id, HANDOVER, pin="000000")
    assert Custody.get_by_id(receipt.custody_id).state == State.SAFEGUARDING_HOLD, "nothing handed over"
    assert Event.select().where(Event.action == "PIN_CONFIRM_FAILED").count() == 1
    hand_to_police(dsl, receipt.custody_id, HANDOVER, pin=DSL_PIN)
    assert Custody.get_by_id(receipt.custody_id).state == State.WITH_POLICE
    confirmed = Event.get(Event.action == "PIN_CONFIRMED")
    assert "police" in confirmed.payload_json and DSL_PIN not in confirmed.payload_json
    assert verify(s.keyring.audit_key).ok
