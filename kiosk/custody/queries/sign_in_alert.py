"""What the DSL and the head are told as they sign in: the phones on a safeguarding hold, and the police cases still
awaiting the police's outcome ("2 phones with the police awaiting an outcome (oldest 12 days)"), read together in
one go on the desk's worker. The holds and the cases are kiosk.custody.queries.holds and .cases; this adds the words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from kiosk.clock import local
from kiosk.custody.queries.cases import PoliceCase, police_cases_open
from kiosk.custody.queries.holds import Hold, holds_now
from kiosk.db.connection import storage_guard


@dataclass(frozen=True)
class SignInAlert:
    holds: tuple[Hold, ...]  # the longest-held first
    police: tuple[PoliceCase, ...]  # awaiting the police's outcome, the longest with them first

    @property
    def anything(self) -> bool:
        return bool(self.holds or self.police)

    def police_words(self, *, today: date, tz: ZoneInfo) -> str | None:
        """"2 phones with the police awaiting an outcome (oldest 12 days)", or None when there is none. Days are
        calendar days since the handover, school-local (a case waits over weekends and holidays too)."""
        if not self.police:
            return None
        oldest = min(local(case.handed_over_at, tz).date() for case in self.police)
        days = max(0, (today - oldest).days)
        count = len(self.police)
        phones = "1 phone" if count == 1 else f"{count} phones"
        age = "handed over today" if days == 0 else f"{'oldest ' if count > 1 else ''}{days} day{'s' * (days != 1)}"
        return f"{phones} with the police awaiting an outcome ({age})"


@storage_guard
def dsl_sign_in_alert() -> SignInAlert:
    """Both lists (a database failure is StorageFailed, "NOT READ: …")."""
    return SignInAlert(holds=holds_now(), police=police_cases_open())
