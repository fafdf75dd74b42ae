"""Which run of the kiosk recorded an event: one session id per kiosk process (the office PC's own terminal, each
browser session of `kiosk serve`, each admin command), so two desks, or two sessions at one desk, are told apart in
the trail even when they share a desk's name."""

from __future__ import annotations

import functools
import secrets

SESSION_ID_LENGTH = 12  # hex characters: 48 random bits, unique across a school's years of sessions


@functools.cache
def this_session() -> str:
    """This process's session id: made once, at the first event or sign-in, and the same until the process ends
    (every browser session is a process of its own: kiosk/serve.py)."""
    return secrets.token_hex(SESSION_ID_LENGTH // 2)
