"""A phone through the DSL's case in the domain, for tests/test_dsl_case.py and the Pilot journey."""

from __future__ import annotations

from kiosk.custody.safeguarding import PoliceHandover, flag_safeguarding, hand_to_police
from tests.conftest import DSL_PIN

HANDOVER = PoliceHandover("PC Jo Marsh", "4471", "Kent Police", "46/123456/26", "EVID-889")
CONCERN_TEXT = "pupil said an image of a classmate was shared"  # a canary: never in a log, event or other screen


def with_the_police(s, index: int = 0, *, kind: str = "indecent_image") -> int:
    """Pupil `index`'s phone confiscated, put on a hold of `kind` and handed to the police; its custody id."""
    receipt = s.confiscate(index)
    flag_safeguarding(s.ctx(), receipt.custody_id, concern=CONCERN_TEXT, acknowledged=True, kind=kind)
    hand_to_police(s.ctx(s.signed_in("PS")), receipt.custody_id, HANDOVER, pin=DSL_PIN)
    return receipt.custody_id
