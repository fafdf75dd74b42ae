"""Finding the pupil a screen is about, from a scanned tag or bag label, a school ID card or a typed name, the way
the desk finds one, with the desk's words for a scan that finds nobody. The lookups run on the app's desk worker
(kiosk/widgets/desk_worker.py), so a database that hangs never freezes the screen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from textual.screen import Screen

from kiosk.custody import (
    BadScan,
    DeskContext,
    DeskError,
    PupilSummary,
    Resolved,
    RetiredTag,
    UnknownTag,
    find_pupils,
    normalise,
    resolve,
    resolve_pupil,
)
from kiosk.custody.lookup import pupil_by_id, pupil_with_admission_number
from kiosk.custody.scans import AdmissionNumberScan, CommandScan, NameSearch, Scan
from kiosk.screens.pupil_picker import PupilPicker
from kiosk.widgets.desk_worker import FRAME_WAIT_SECONDS, DeskWorker

# The desk's own headlines for a scan that finds nobody, so the office learns one set of words. (A read that
# failed needs none: its message starts NOT READ.)
FINDING_HEADLINES: tuple[tuple[type[DeskError], str], ...] = (
    (BadScan, "SCAN AGAIN"), (UnknownTag, "UNKNOWN TAG"), (RetiredTag, "OLD TAG"))


@dataclass(frozen=True)
class Found:
    """The pupil, and their phone's tag when they have one (a release or a search needs only the pupil)."""

    pupil: PupilSummary
    resolved: Resolved | None
    via: str  # "tag", "admission number", "name search"

    @property
    def tag_code(self) -> str | None:
        return self.resolved.tag.code if self.resolved else None

    @property
    def tag_id(self) -> int | None:
        return self.resolved.tag.id if self.resolved else None


def problem_words(problem: DeskError | str) -> str:
    """The one way these screens word a problem: the desk's headline, then the domain's own message."""
    if isinstance(problem, str):
        return problem
    headline = next((words for kind, words in FINDING_HEADLINES if isinstance(problem, kind)), None)
    return f"{headline} · {problem.message}" if headline else problem.message


# ── on the worker's thread: the domain's lookups, nothing that touches a widget ────────────────────────────────
def who_scanned(scan: Scan, *, accept_admission_numbers: bool) -> Found:
    """The pupil a scanned tag, bag label or ID card names; UnknownTag (or another DeskError) when nobody."""
    try:
        resolved = resolve(scan, accept_admission_numbers=accept_admission_numbers)
    except UnknownTag:
        # An ID card for a pupil without a tag still names the pupil.
        pupil = pupil_with_admission_number(number=scan.number) if isinstance(scan, AdmissionNumberScan) else None
        if pupil is None:
            raise
        return Found(pupil, None, "admission number")
    return Found(PupilSummary.of(resolved.pupil), resolved, resolved.via)


def pupil_chosen(pupil_id: int) -> Found | None:
    """The pupil chosen from the name list, with their tag if they have one; None when they left the roster since."""
    pupil = pupil_by_id(pupil_id=pupil_id)
    if pupil is None:
        return None
    try:
        return Found(pupil, resolve_pupil(pupil.id), "name search")
    except UnknownTag:
        return Found(pupil, None, "name search")


# ── on the UI thread ──────────────────────────────────────────────────────────────────────────────────────
def find_from_scan(screen: Screen[Any], ctx: DeskContext, raw: str, *, purpose: str, found: Callable[[Found], None],
                   problem: Callable[[str], None], command: Callable[[str, str], None],
                   waiting: Callable[[], None] | None = None) -> None:
    """Work out who `raw` means and call `found` (perhaps later, from the name list) or `problem` (in
    problem_words), or `command` with a desk-card barcode's command and the code as scanned. The lookups run on
    the app's desk worker; `waiting` is called when the answer has not come within a moment."""
    try:
        scan = normalise(raw)
    except BadScan as error:
        problem(problem_words(error))
        return
    if isinstance(scan, CommandScan):
        command(scan.command, raw)
        return
    worker: DeskWorker = screen.app.desk_worker  # type: ignore[attr-defined]

    def failed(error: DeskError) -> None:
        problem(problem_words(error))

    if isinstance(scan, NameSearch):
        name_search = scan
        job: Any = worker.submit(
            partial(find_pupils, name_search), owner=screen, wait=FRAME_WAIT_SECONDS, failed=failed,
            then=lambda pupils: offer_pupils(screen, name_search, pupils, purpose=purpose, found=found,
                                             problem=problem))
    else:
        job = worker.submit(partial(who_scanned, scan, accept_admission_numbers=ctx.settings.accept_admission_numbers),
                            owner=screen, wait=FRAME_WAIT_SECONDS, then=found, failed=failed)
    if not job.done and waiting is not None:
        waiting()


def offer_pupils(screen: Screen[Any], search: NameSearch, pupils: Sequence[PupilSummary], *, purpose: str,
                 found: Callable[[Found], None], problem: Callable[[str], None]) -> None:
    """The name list, for the screen to choose from (a dialog the screen owns: composition, not a move)."""
    if not pupils:
        problem(f"No pupil on the roster matches '{search.shown}'. Check the spelling, or scan the tag.")
        return
    if not screen.is_current:
        return  # staff have moved on to another screen since typing it: nothing opens over that one
    worker: DeskWorker = screen.app.desk_worker  # type: ignore[attr-defined]

    def answered(chosen: Found | None) -> None:
        if chosen is None:
            problem("That pupil is no longer on the roster. Search again.")
        else:
            found(chosen)

    def chosen(pupil_id: int | None) -> None:
        if pupil_id is not None:
            worker.submit(partial(pupil_chosen, pupil_id), owner=screen, wait=FRAME_WAIT_SECONDS, then=answered,
                          failed=lambda error: problem(problem_words(error)))

    screen.app.push_screen(PupilPicker(pupils, mode=purpose, typed=search.text), chosen)
