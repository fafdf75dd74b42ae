"""What every desk action needs: who is acting, where, the clock, the key and the school's settings."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.audit.log import append_event
from kiosk.auth.roles import Permission
from kiosk.auth.staff import SignedIn
from kiosk.clock import Clock
from kiosk.config import Settings
from kiosk.db.connection import write_transaction
from kiosk.db.models import database_proxy
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

    def require(self, permission: Permission, *, pupil: int | None = None, custody: int | None = None) -> None:
        """Refuse, and record the refusal, when the signed-in role does not allow `permission`."""
        if self.who.can(permission):
            return
        with write_transaction(database_proxy.obj):
            append_event(key=self.keyring.audit_key, at=self.clock.now(), desk=self.desk, staff=self.who.staff_id,
                         action="REFUSED", pupil=pupil, payload={"permission": permission.value,
                                                                 "role": self.who.role, "custody_id": custody})
        self.who.require(permission)
