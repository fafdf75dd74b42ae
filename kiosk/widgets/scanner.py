"""Telling a scanner from a person by the time between keys, so that a scan can be taken whole at the top of the app
before any screen, field, button or list sees its keys (the app routes it: kiosk/app.py, route_scan).

A keyboard-wedge scanner is a keyboard: it types the code and Enter, a few milliseconds a key. A person types
80–300 ms a key. What the kiosk actually receives (bench/key_gaps.py, December 2026, this repository's machine;
docs/scanning.md has the table):

    tmux send-keys CODE Enter (one write)    0.01–0.5 ms   (the whole code arrives in one read)
    tmux send-keys, one call per key         2.2–3.5 ms
    a wedge scanner, a key every 2/4/8/15 ms 1.7–19 ms     (each key its own read, as a USB scanner's)
    Pilot's press() (the Pilot tests)        41–106 ms     (it waits for the app twice, 20 ms each, after a key)
    a person, 80–300 ms apart                86–300 ms

So KEY_GAP_SECONDS is 35 ms: above every scanner rate measured (the slowest, 15 ms a key, arrived at most 19 ms
apart), below the 40 ms Pilot can never go under, well below a person. A burst is SHORTEST_SCAN characters or
more, every one within KEY_GAP_SECONDS of the one before, ended by Enter (or LF) within it too: one fast pair of
keys (a person's rollover, 20–50 ms) never makes one.

The time of a key is the time Textual stamped on it when its input thread parsed it (Message.time), not when the
app got round to it: while the app is busy (a long redraw, a stall) a person's keys queue up and reach the app's
on_event 0.07 ms apart, which would read as a scanner; their parse times stay 86 ms and more apart.

How keys are held: in a text box a key that may begin one of the kiosk's codes (a pupil's tag, a desk-card
barcode, an ID card's number, an AIM prefix) is held back until the next key says what it is part of; a key that
cannot (most letters of a name) goes on at once, and so does everything held before it. Where any character would
act (a list, a button, a screen's one-letter keys: Y on the close-day question) or is a PIN's, every character is
held that way. Held keys go on, in order, as soon as a key comes too late to be part of a burst, a key that cannot
be part of a code comes (in a text box), or KEY_GAP_SECONDS pass without one: a person never waits longer than
that for a key to act. So a scan never puts a character into a PIN, a list or a one-letter key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from textual import events

from kiosk.custody import codes
from kiosk.custody.errors import BadScan
from kiosk.custody.scans import COMMAND_CODES, AdmissionNumberScan, CommandScan, TagScan, normalise
from kiosk.widgets.scan_box import SUBMIT_KEYS

# Keys closer together than this are a scanner's (see the module's docstring for the figures).
KEY_GAP_SECONDS = 0.035
# Fewer characters than this, however fast, are no scan (an admission number is rarely shorter; KXLOCK is 6).
SHORTEST_SCAN = 3
LONGEST_ADMISSION_NUMBER = 12
# An ISO/IEC 15424 symbology identifier a scanner may put first (]Q1, ]C0), as it grows key by key.
AIM_PREFIX_SO_FAR = re.compile(r"^\](?:[A-Za-z][0-9A-Za-z]?)?$")
SEPARATORS = re.compile(r"[\s\-]")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
SHOWN_CODE_LENGTH = 24  # a code named on screen is cut here: a long one is two codes run together, or no code


def could_be_code(typed: str) -> bool:
    """Could `typed`, the first keys of a burst, be the start (or the whole) of one of the kiosk's codes: a tag
    (even read twice, which the desk then refuses), a desk-card barcode, an ID card's number?"""
    if not typed or typed[0] in " -":
        return False
    if typed.startswith("]"):
        if len(typed) <= 3:
            return AIM_PREFIX_SO_FAR.match(typed) is not None
        if not AIM_PREFIX_SO_FAR.match(typed[:3]):
            return False
        typed = typed[3:]
    compact = SEPARATORS.sub("", typed).upper()
    if not compact:
        return True
    if any(code.startswith(compact) for code in COMMAND_CODES):
        return True
    if compact.isdigit():
        return len(compact) <= LONGEST_ADMISSION_NUMBER
    candidate = compact.translate(codes.CONFUSABLES)
    return (candidate.startswith(codes.PREFIX) and len(candidate) <= 2 * codes.CODE_LENGTH
            and all(c in codes.ALPHABET for c in candidate))


@dataclass(frozen=True)
class WhatWasScanned:
    """A burst's text, as the desk names it when it cannot act on it."""

    kind: str  # "tag" (a pupil's, even misread), "ID card", "desk card" or "barcode" (any other)
    code: str  # as it was scanned, cut short and without control characters: the words name it
    command: str | None = None  # the desk card's "lock", "hand in"…

    @property
    def words(self) -> str:
        """"a tag", "an ID card", "the desk card's LOCK barcode", "a barcode"."""
        if self.command is not None:
            return f"the desk card's {self.command.upper()} barcode"
        return {"tag": "a tag", "ID card": "an ID card"}.get(self.kind, "a barcode")


def what_was_scanned(text: str) -> WhatWasScanned:
    code = CONTROL.sub("", text).strip()
    if len(code) > SHOWN_CODE_LENGTH:
        code = code[: SHOWN_CODE_LENGTH - 1] + "…"
    try:
        scan = normalise(text)
    except BadScan:
        # A tag misread (a wrong check character, read twice) is still a pupil's tag.
        shaped = could_be_code(text.strip()) and not text.strip().isdigit()
        return WhatWasScanned("tag" if shaped else "barcode", code)
    if isinstance(scan, CommandScan):
        return WhatWasScanned("desk card", code, scan.command)
    if isinstance(scan, TagScan):
        return WhatWasScanned("tag", code)
    if isinstance(scan, AdmissionNumberScan):
        return WhatWasScanned("ID card", code)
    return WhatWasScanned("barcode", code)


@dataclass(frozen=True)
class Burst:
    """Characters faster than a person types, ended by Enter: a scanner's."""

    text: str
    held: tuple[events.Key, ...]  # its keys, kept from every widget so far (all of them when `whole`)
    enter: events.Key
    whole: bool  # no key of it reached a widget: it can be taken without a trace


@dataclass
class Reading:
    """What the app does with a key: pass these on (in order), wait for more, or decide about a burst."""

    passed: list[events.Key] = field(default_factory=list)
    holding: bool = False
    burst: Burst | None = None


class ScannerKeys:
    """Reads every key the app receives, in order, and says which to pass on now, which to hold a moment longer,
    and when a burst has ended. Nothing here knows about screens: the app decides what a burst means."""

    def __init__(self) -> None:
        self.held: list[events.Key] = []
        self.run = ""  # the characters of the current fast run
        self.run_held = True  # every character of the run is held (none has reached a widget)
        self.last: float | None = None  # when the previous key was parsed
        self.holds = 0  # numbers each key held, so a late "wait no more" lets go only of what it was for

    def read(self, event: events.Key, *, hold_every_key: bool = False) -> Reading:
        """One key, as it arrives. `hold_every_key`: hold every character for a moment, not only those that may
        begin a code (where any character would act, or be a PIN's)."""
        fast = self.last is not None and event.time - self.last < KEY_GAP_SECONDS
        self.last = event.time
        if event.key in SUBMIT_KEYS:
            if fast and len(self.run) >= SHORTEST_SCAN:
                burst = Burst(self.run, tuple(self.held), event, self.run_held)
                self.held = []
                self._start_again()
                return Reading(burst=burst)
            return Reading(self.let_go() + [event])
        character = event.character if event.is_printable else None
        if not character or len(character) != 1:
            return Reading(self.let_go() + [event])
        passed = [] if fast else self.let_go()
        self.run += character
        if self.run_held and (hold_every_key or could_be_code(self.run)):
            self.held.append(event)
            self.holds += 1
            return Reading(passed, holding=True)
        self.run_held = False
        return Reading(passed + self._release() + [event])

    def waited(self, hold: int) -> list[events.Key]:
        """KEY_GAP_SECONDS have passed since hold number `hold` without another key: a person's (or a slow
        device's) keys, to pass on now. Nothing, if a later key has already decided about them."""
        if hold != self.holds or not self.held:
            return []
        self.run_held = False  # what follows in this run (if anything) can no longer be a whole scan
        return self._release()

    def let_go(self) -> list[events.Key]:
        """Everything held, to pass on now; the next key starts afresh (a click, a paste or a key that is no
        character came between)."""
        held = self._release()
        self._start_again()
        return held

    def _release(self) -> list[events.Key]:
        held, self.held = self.held, []
        return held

    def _start_again(self) -> None:
        self.run = ""
        self.run_held = True
