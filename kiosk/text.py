"""Making text from outside (the MIS roster, what staff type or scan, an old database) plain: the one rule.

Plain means no terminal escape sequences (ANSI colours, OSC window titles), no C0 or C1 control characters, no
bidirectional overrides or isolates, which can make a name read backwards or hide part of it, and no invisible
characters that take no room (a zero-width space). Ordinary
letters of every script stay as they are (Siobhán, Łukasz, Nguyễn), and so do Rich's square brackets: a name
like "Eve [/]" is a name, and the screens show it as text, never as markup (that is their rule, not this one).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Escape sequences as terminals read them, 7-bit and 8-bit: OSC/DCS/APC/PM/SOS strings ended by BEL or ST (or
# unended, to the end of the text), CSI sequences, and the two-character ESC sequences.
_ESCAPES = re.compile(
    r"(?:\x1b[\]P^_X]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC, DCS, SOS, PM, APC
    r"|(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"  # CSI: colours, cursor moves, clearing the screen
    r"|\x1b[ -/]*[0-~]?"  # any other ESC sequence (charset switches, ESC c resetting the terminal)
)
# Bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and the Arabic letter mark:
# they reorder what follows on screen, so "HALL" can be made to show as "LLAH". The plain LRM/RLM marks stay out
# too: a name never needs one, and they are invisible.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c\u200e\u200f")
# Characters that take no room and mean nothing in a name or a code: a zero-width space, the word joiner, a soft
# hyphen, and (in one line of text: a name, a code) a byte-order mark pasted from a spreadsheet. "Mi\u200ba" looks
# like Mia and matches no search for Mia. (The zero-width joiner and non-joiner stay: they are part of how some
# scripts and emoji are written. Text of several lines keeps a BOM: a CSV the kiosk prints starts with one, for
# Excel.)
_INVISIBLE = frozenset("\u200b\u2060\u00ad")
_BOM = "\ufeff"
# Line breaks of every kind: a name is one line; free text keeps its lines as "\n".
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


@dataclass(frozen=True)
class Cleaned:
    """Text made plain, and whether anything had to be taken out (for the import report's note)."""

    text: str
    changed: bool


def clean(text: str, *, lines: bool = False) -> Cleaned:
    """`text` made plain (see the module's docstring). One line unless `lines`: then line breaks stay (as "\\n")
    and tabs too. Spaces are not collapsed: only what is not text at all is taken out (a tab in a name becomes a
    space)."""
    plain = _ESCAPES.sub("", text)
    plain = _LINE_BREAKS.sub("\n" if lines else " ", plain)
    kept = []
    for char in plain:
        if char in _BIDI or char in _INVISIBLE or (char == _BOM and not lines):
            continue
        if char == "\n" or (char == "\t" and lines):
            kept.append(char)
        elif char == "\t":
            kept.append(" ")
        elif unicodedata.category(char) == "Cc":  # C0, DEL and C1 controls left once the sequences are gone
            continue
        else:
            kept.append(char)
    result = "".join(kept)
    return Cleaned(result, result != text.replace("\r\n", "\n") if lines else result != text)


def plain_text(text: str, *, lines: bool = False) -> str:
    """`text` made plain: what is stored from outside and what is printed or shown."""
    return clean(text, lines=lines).text


def plain_or_none(text: str | None, *, lines: bool = False) -> str | None:
    """plain_text for an optional field (a note, a preferred name): None stays None."""
    return None if text is None else plain_text(text, lines=lines)


def may_be_initials(typed: str) -> bool:
    """Whether what was typed for initials may be kept and shown: letters only, up to 8. Digits never are: someone
    who types their PIN into the initials box by mistake must not find it stored in the trail or echoed on
    screen, and a staff badge's number is no one's business either."""
    compact = "".join(plain_text(typed).split())
    return 0 < len(compact) <= 8 and not any(char.isdigit() for char in compact)


def initials_for_the_record(typed: str) -> str:
    """What the trail keeps of initials that matched nobody: the letters as typed (someone's slip, worth seeing),
    or, for anything else, only that something else was typed."""
    if may_be_initials(typed):
        return "".join(plain_text(typed).split()).upper()
    return "(not kept: not initials; it may have been a PIN or a badge)"
