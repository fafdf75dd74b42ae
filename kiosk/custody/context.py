"""What every desk action needs: who is acting, where, the clock, the key and the school's settings."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.auth.staff import SignedIn
from kiosk.clock import Clock
from kiosk.config import Settings
from kiosk.keyring import Keyring


@dataclass(frozen=True)
class DeskContext:
    keyring: Keyring
    clock: Clock
    settings: Settings
    who: SignedIn

    @property
    def desk(self) -> str:
        return self.who.desk
