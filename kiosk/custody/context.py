"""What every desk action needs: who is acting, where, the clock, the key and the school's settings."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.audit.log import append_event
from kiosk.auth.roles import Permission
from kiosk.auth.staff import SignedIn
from kiosk.clock import Clock
from kiosk.config import Settings
from kiosk.custody.year_groups import outside_year_group
from kiosk.db.connection import write_transaction
from kiosk.db.models import database_proxy
from kiosk.errors import NotPermitted
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

    @property
    def session(self) -> str | None:
        """The session acting (kiosk/audit/session_id.py): every event it records carries it."""
        return self.who.session

    def require(self, permission: Permission, *, pupil: int | None = None, custody: int | None = None) -> None:
        """Refuse, and record the refusal, when the signed-in role does not allow `permission`, or when a head of
        year acts for a pupil outside their year group (kiosk/custody/year_groups.py)."""
        other_year = None
        if self.who.can(permission):
            if pupil is None and custody is None:
                return
            other_year = outside_year_group(self.who, pupil_id=pupil, custody_id=custody)
            if other_year is None:
                return
        with write_transaction(database_proxy.obj):
            append_event(key=self.keyring.audit_key, at=self.clock.now(), desk=self.desk, session=self.session,
                         staff=self.who.staff_id,
                         action="REFUSED", pupil=pupil, payload={"permission": permission.value,
                                                                 "role": self.who.role, "custody_id": custody,
                                                                 **({"year_group": self.who.year_group}
                                                                    if other_year else {})})
        if other_year is not None:
            raise NotPermitted(other_year)
        self.who.require(permission)
