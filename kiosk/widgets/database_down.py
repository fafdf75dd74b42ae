"""The red line across the desk while the database does not answer: do not hand phones back until it returns.

A hand-back the kiosk cannot record is a phone gone with no record of who took it, so the line is loud, says
since when and why, and that nobody needs to restart anything: it goes away by itself when the database answers.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from rich.text import Text
from textual.widgets import Static

from kiosk.clock import local
from kiosk.custody.desk import Health
from kiosk.formatting import clock_time
from kiosk.widgets.plain import plain


def words(health: Health, tz: ZoneInfo) -> str:
    since = clock_time(local(health.since, tz)) if health.since else "now"
    # The cause's first sentence: its advice ("Check the network…") is the desk's usual one, and an 80×24
    # screen has room for two lines here, not three.
    cause = (health.cause or "no answer").split(". ")[0].rstrip(". ")
    return f"✖ {(health.banner or '').upper()} (since {since}: {cause}) — it reconnects by itself"


class DatabaseDown(Static):
    """Hidden while the database answers; the desk calls show() with every health check."""

    DEFAULT_CSS = """
    DatabaseDown {
        display: none;
        height: auto;
        width: 100%;
        padding: 0 1;
        background: #b71c1c;
        color: #ffffff;
        text-style: bold;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.health: Health | None = None

    def show(self, health: Health, tz: ZoneInfo) -> None:
        if health == self.health:
            return
        self.health = health
        if health.ok:
            self.display = False
            self.update("")
            return
        self.update(plain(Text(words(health, tz))))
        self.display = True

    @property
    def showing(self) -> bool:
        return self.health is not None and not self.health.ok
