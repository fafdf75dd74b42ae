"""What the desk screen says: its prompts and modes, the headline for each problem and refusal, and its words
while the database has not answered (SAVING...) or answers after the desk locked."""

from __future__ import annotations

from dataclasses import replace

from kiosk.custody import Conflict, DeskError, Mode, NotPermitted, Outcome, Receipt, Refused, Severity, normalise
from kiosk.custody.codes import CODE_LENGTH, grouped
from kiosk.custody.scans import AdmissionNumberScan, CommandScan, Scan, TagScan
from kiosk.errors import StorageFailed
from kiosk.screens.finding import FINDING_HEADLINES
from kiosk.widgets.result_banner import Result

SCAN_PROMPT = "scan a tag, a school ID card, or type a name"
NO_HATCH_PROMPT = "scanning here hands nothing in or back for your role: see the keys below"
MODE_WORDS = {Mode.HAND_IN: "HAND IN", Mode.HAND_BACK: "HAND BACK"}
# The headline for each desk error; the error's own message says what to do next. A tag that is not known, is
# old or was misread gets the same words here as on the confiscation and release screens (finding.py's).
PROBLEM_HEADLINES: list[tuple[type[DeskError], str]] = [
    *FINDING_HEADLINES, (Conflict, "TRY AGAIN"), (NotPermitted, "NOT ALLOWED"),
    (Refused, "REFUSED"), (StorageFailed, "NOT SAVED"), (DeskError, "PROBLEM"),
]
# A refused hand-in or hand-back: the headline says what did not happen (from arm's length a red CONFISCATED could
# read as "confiscation done"), the line under it why, and what to do instead.
REFUSED_HEADLINES = {Mode.HAND_IN: "NOT HANDED IN", Mode.HAND_BACK: "NOT HANDED BACK"}
REFUSAL_REASONS = {
    Outcome.CONFISCATED: "Confiscated — held for a parent or carer (F6 release)",
    Outcome.HELD: "Held — do not hand back: refer to the Designated Safeguarding Lead",
}
SAVING_HEADLINE = "SAVING..."
# What to do while a scan is being saved: nothing that its result could make wrong.
SAVING_ADVICE = {Mode.HAND_IN: "Keep the phone until this says HANDED IN.",
                 Mode.HAND_BACK: "Do not give the phone back until this says HANDED BACK."}


def problem_headline(error: DeskError) -> str:
    return next(headline for kind, headline in PROBLEM_HEADLINES if isinstance(error, kind))


def receipt_result(receipt: Receipt, mode: str) -> Result:
    """The banner for a receipt. A refusal names what was refused (NOT HANDED BACK) and says why under it."""
    result = Result.of_receipt(receipt)
    if receipt.severity is not Severity.REFUSED:
        return result
    reason = REFUSAL_REASONS.get(receipt.outcome, receipt.message)
    return replace(result, headline=REFUSED_HEADLINES[mode], message=reason)


def saving_words(count: int, mode: str) -> str:
    """The line under SAVING...: how many scans wait for the database, and what not to do meanwhile."""
    scans = "1 scan" if count == 1 else f"{count} scans"
    return f"Waiting for the database to save {scans}. {SAVING_ADVICE.get(mode, '')}".strip()


def unattended_words(answer: Receipt | DeskError, mode: str) -> str:
    """For a scan whose answer came after the desk locked. Said on the lock screen, so it names no pupil (an
    error's own message may: a retired tag names its pupil) and says only what happened."""
    if isinstance(answer, DeskError):
        return (f"A scan made as the desk locked: ✖ {problem_headline(answer)}. That phone was not handed in or "
                "back: sign in and scan it again.")
    result = receipt_result(answer, mode)
    return f"A scan made as the desk locked: {result.icon} {result.headline}."


# How much of a scan the recent list repeats when it could not be read as anything (a misread, two codes run
# together): enough to recognise it, never a whole line.
READ_WIDTH = 24


def what_was_read(raw: str, scan: Scan | None = None) -> str:
    """What a scan or a typed name was, as the recent list names a refused one: a tag's code as its label prints it
    (K0EJ-85R5), an ID card's number, a desk-card code's name, or the typed words in quotes ('chloee'). `scan`:
    the scan as already read, when it was. Plain text with no control characters (the list never reads markup)."""
    if scan is None:
        try:
            scan = normalise(raw)
        except DeskError:
            scan = None
    if isinstance(scan, TagScan):
        return grouped(scan.code)
    if isinstance(scan, AdmissionNumberScan):
        return f"ID {scan.number}"
    if isinstance(scan, CommandScan):
        return scan.command.upper()
    text = " ".join("".join(c for c in raw if c.isprintable()).split())
    compact = text.replace("-", "").replace(" ", "").upper()
    if scan is None and len(compact) == CODE_LENGTH and compact.isalnum() and any(c.isdigit() for c in compact):
        return grouped(compact)  # a tag that did not read right: as its label prints it, to find the phone
    cut = text if len(text) <= READ_WIDTH else text[: READ_WIDTH - 1] + "…"
    return f"'{cut}'"


def switched_words(at: str) -> str:
    """The desk's own line when the afternoon comes: in the recent list and under the scan box."""
    return f"the desk switched to HAND BACK at {at} (the school's hand-back time)"


def scanned_before_switch(mode: str, now: str, at: str | None) -> str:
    """A note on a result that arrived after the mode changed: it was handled in the mode it was scanned in."""
    when = f" at {at}" if at else ""
    return (f"Scanned before the desk switched to {MODE_WORDS.get(now, now)}{when}: handled as "
            f"{MODE_WORDS.get(mode, mode)}.")
