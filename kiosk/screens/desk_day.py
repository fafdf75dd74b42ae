"""What a desk keeps from one sign-in to the next on the same school day: its recent scans, and a mode chosen by
hand once the afternoon's HAND BACK time has come (which the desk then leaves alone for the rest of the day).

The recent list is the desk's, not the person's: whoever works the hatch next at this desk on the same day sees it
again after signing in (the lock screen never shows it). A new school day starts with an empty list. It is kept
in memory only, never across a restart: a file of pupils' names would be one more thing to protect, for the sake
of a few rows of a list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from kiosk.widgets.recent_list import RecentRows


@dataclass
class DeskDay:
    """One per desk (the app's), handed to each desk screen it opens."""

    day: date | None = None
    recent: RecentRows = field(default_factory=RecentRows)
    # "hand in" or "hand back", pressed (F2/F3, or the desk card) after the HAND BACK time today: the afternoon's
    # switch has been overridden by staff, and neither the switch nor the next sign-in undoes it today.
    mode_by_hand: str | None = None

    def on(self, today: date) -> DeskDay:
        """This desk's day as of `today`: a new day forgets the last day's rows and choices."""
        if today != self.day:
            self.day = today
            self.recent.clear()
            self.mode_by_hand = None
        return self
