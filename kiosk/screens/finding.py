"""Finding the pupil a screen is about, from a scanned tag or bag label, a school ID card, or a typed name.

Shared by the confiscation, release and search-record screens, which all start the way the desk does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from rich.markup import escape
from textual.app import App

from kiosk.clock import as_utc, local, local_today
from kiosk.custody import (
    BadScan,
    DeskContext,
    DeskError,
    PupilSummary,
    Resolved,
    UnknownTag,
    find_pupils,
    normalise,
    resolve,
    resolve_pupil,
)
from kiosk.custody.lookup import find_by_admission_number
from kiosk.custody.scans import AdmissionNumberScan, NameSearch
from kiosk.db.connection import storage_guard
from kiosk.db.models import Pupil
from kiosk.screens.pupil_picker import PupilPicker


@dataclass(frozen=True)
class Found:
    """The pupil, and their phone's tag when they have one (a release or a search needs only the pupil)."""

    pupil: PupilSummary
    resolved: Resolved | None
    via: str  # "tag", "admission number", "name search"

    @property
    def tag_code(self) -> str | None:
        return self.resolved.tag.code if self.resolved else None


def _by_pupil(pupil: Pupil, via: str) -> Found:
    try:
        return Found(PupilSummary.of(pupil), resolve_pupil(pupil.id), via)
    except UnknownTag:
        return Found(PupilSummary.of(pupil), None, via)


def find_from_scan(app: App, ctx: DeskContext, raw: str, *, purpose: str, found: Callable[[Found], None],
                   problem: Callable[[str], None]) -> None:
    """Work out who `raw` means and call `found` (perhaps later, from the name picker) or `problem`."""
    try:
        scan = normalise(raw)
    except BadScan as error:
        problem(error.message)
        return
    if isinstance(scan, NameSearch):
        pupils = find_pupils(scan)
        if not pupils:
            problem(f"No pupil on the roster matches '{scan.text}'. Check the spelling, or scan the tag.")
            return

        def chosen(pupil_id: int | None) -> None:
            if pupil_id is not None:
                guarded_read(problem, choose, pupil_id)

        def choose(pupil_id: int) -> None:
            pupil = Pupil.get_or_none(Pupil.id == pupil_id)
            if pupil is None:
                problem("That pupil is no longer on the roster. Search again.")
                return
            found(_by_pupil(pupil, "name search"))

        app.push_screen(PupilPicker(pupils, mode=purpose, typed=scan.text), chosen)
        return
    try:
        resolved = resolve(scan, accept_admission_numbers=ctx.settings.accept_admission_numbers)
    except UnknownTag as error:
        # An ID card for a pupil without a tag still names the pupil.
        pupil = find_by_admission_number(scan.number) if isinstance(scan, AdmissionNumberScan) else None
        if pupil is None:
            problem(error.message)
            return
        found(Found(PupilSummary.of(pupil), None, "admission number"))
        return
    except DeskError as error:
        problem(error.message)
        return
    found(Found(PupilSummary.of(resolved.pupil), resolved, resolved.via))


def guarded_read(problem: Callable[[str], None], func: Callable[..., object], *args: object,
                 **kwargs: object) -> bool:
    """Run a screen step that reads the database; a failure is shown with `problem` (the domain's words)
    instead of ending the desk. True when the step completed."""
    try:
        storage_guard(func)(*args, **kwargs)
    except DeskError as error:
        problem(error.message)
        return False
    return True


def when_text(at: datetime | None, ctx: DeskContext) -> str:
    """'08:31' today, 'Mon 30 Nov 08:31' on another day, in the school's time."""
    if at is None:
        return ""
    moment = local(as_utc(at), ctx.settings.tz)
    if moment.date() == local_today(ctx.clock, ctx.settings.tz):
        return f"{moment:%H:%M}"
    return f"{moment:%a %-d %b %H:%M}"


def ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def pupil_line(pupil: PupilSummary) -> str:
    year = f" · Year {pupil.year}" if pupil.year is not None else ""
    return f"[b]{escape(pupil.name)}[/] · {escape(pupil.form)}{year} · MIS {escape(pupil.mis_id)}"
