"""Every screen the app opens by name: where it lives, which permission a role needs to open it, and how F1 help
and the command palette word it. A screen asks for another with messages.OpenScreen(name); the app looks the name
up here, and the desk's keys are offered or not by the same permission. A key that opens a screen has the
screen's name as its action (the desk's F5 is "confiscate"), so its words are found here too.

A screen's module is imported when the screen is first opened, not at start-up: several print papers, and
loading the PDF and label engines with them would add a quarter of a second to every start of the kiosk
(`python -m bench.run --only B4`).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any

from textual.screen import Screen

from kiosk.auth.roles import Permission
from kiosk.auth.staff import SignedIn


@dataclass(frozen=True)
class ScreenEntry:
    """One screen the app can open: built as `Class(ctx, **needs)` (the desk's DeskContext, then what the
    OpenScreen message carries)."""

    module: str
    class_name: str
    needs: Permission | None  # None: anyone signed in
    called: str  # F1 help says "Keys on {called}"
    # The command palette's name and line for the key that opens it; None: the key's own footer words.
    command: tuple[str, str] | None = None

    def screen_class(self) -> type[Screen[Any]]:
        screen_class: type[Screen[Any]] = getattr(import_module(self.module), self.class_name)
        return screen_class


SCREENS: dict[str, ScreenEntry] = {
    "desk": ScreenEntry("kiosk.screens.desk", "DeskScreen", None, "the desk"),
    "confiscate": ScreenEntry(
        "kiosk.screens.confiscate", "ConfiscateScreen", Permission.CONFISCATE, "the confiscation screen",
        ("Confiscate a phone", "Record a confiscation, then print the notice and the bag label")),
    "release": ScreenEntry(
        "kiosk.screens.release", "ReleaseScreen", Permission.RELEASE, "the release screen",
        ("Release a confiscated phone", "Give a confiscated phone back to a parent or carer")),
    "search_record": ScreenEntry(
        "kiosk.screens.search_record", "SearchRecordScreen", Permission.RECORD_SEARCH, "the search record screen",
        ("Record a search", "Record a search of a pupil's phone")),
    "holds": ScreenEntry(
        "kiosk.screens.safeguarding", "HoldsScreen", Permission.READ_DSL_NOTES, "the holds screen",
        ("Safeguarding holds", "The phones held for the DSL")),
    # The DSL's lists beyond the holds (issue 16), opened from the holds screen.
    "police_cases": ScreenEntry(
        "kiosk.screens.dsl_cases", "PoliceCasesScreen", Permission.READ_DSL_NOTES, "the phones with the police"),
    "closed_cases": ScreenEntry(
        "kiosk.screens.dsl_cases", "ClosedCasesScreen", Permission.READ_DSL_NOTES, "the closed cases"),
    "searches_told": ScreenEntry(
        "kiosk.screens.dsl_cases", "SearchesToldScreen", Permission.READ_DSL_NOTES, "the searches the DSL was told of"),
    "examination": ScreenEntry(
        "kiosk.screens.examination", "ExaminationScreen", Permission.RECORD_EXAMINATION, "the examination screen"),
    "labels": ScreenEntry(
        "kiosk.screens.labels", "LabelsScreen", Permission.HAND_IN, "the Tags & labels screen",
        ("Tags & labels", "Print tag labels; replace a lost or damaged tag")),
    "print_jobs": ScreenEntry(
        "kiosk.screens.print_jobs", "PrintJobsScreen", Permission.HAND_IN, "the print jobs screen",
        ("Print jobs", "The label print jobs: at the printer, not printed, printed today; retry or cancel")),
    "pupil": ScreenEntry("kiosk.screens.pupil", "PupilScreen", Permission.VIEW_PUPILS, "the pupil page"),
    "dashboard": ScreenEntry("kiosk.screens.dashboard", "DashboardScreen", Permission.VIEW_REPORTS, "the dashboard"),
    "reports": ScreenEntry("kiosk.screens.reports", "ReportsScreen", Permission.VIEW_REPORTS, "the reports screen"),
    "end_of_day": ScreenEntry(
        "kiosk.screens.stocktake", "EndOfDayScreen", Permission.CLOSE_DAY, "the end-of-day screen"),
    "stocktake": ScreenEntry("kiosk.screens.stocktake", "StocktakeScreen", Permission.CLOSE_DAY, "the stock-take"),
    "outbox": ScreenEntry(
        "kiosk.screens.outbox", "OutboxScreen", Permission.RELEASE, "the outbox",
        ("Outbox", "Messages to carers and the DSL: sent, waiting, failed; send a failed one again")),
}


def may_open(who: SignedIn | None, name: str) -> bool:
    """May the member of staff signed in open this screen? (Nobody signed in opens none.)"""
    entry = SCREENS.get(name)
    if entry is None or who is None:
        return False
    return entry.needs is None or who.can(entry.needs)


def called(screen: Screen[Any]) -> str:
    """How F1 help names the screen in front: "the desk", "the release screen"; "this screen" for a dialog."""
    name = type(screen).__name__
    return next((entry.called for entry in SCREENS.values() if entry.class_name == name), "this screen")
