"""Lines of text on a label: the shipped DejaVu fonts, shrink-to-fit, then an ellipsis.

Fonts are cached per thread: FreeType faces are not safe to share between threads, and printing runs in a
worker while the desk may be rendering a preview.
"""

from __future__ import annotations

import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from kiosk.resources import assets_dir

FONT_FILES = {
    "name": "DejaVuSansCondensed-Bold.ttf",  # narrow, so long names stay large
    "bold": "DejaVuSans-Bold.ttf",
    "regular": "DejaVuSans.ttf",
}
ELLIPSIS = "…"
_local = threading.local()


def font(style: str, size: int) -> ImageFont.FreeTypeFont:
    cache: dict[tuple[str, int], ImageFont.FreeTypeFont] | None = getattr(_local, "fonts", None)
    if cache is None:
        cache = _local.fonts = {}
    key = (style, size)
    if key not in cache:
        cache[key] = ImageFont.truetype(str(assets_dir() / FONT_FILES[style]), size)
    return cache[key]


@lru_cache(maxsize=2048)
def _has_glyph(char: str) -> bool:
    # FreeType draws a missing character as the font's ".notdef" box: compare the two drawings.
    return char.isspace() or _drawing(char) != _drawing("\uffff")


def _drawing(char: str) -> bytes:
    probe = font("regular", 24)
    image = Image.new("L", (48, 48), 0)
    ImageDraw.Draw(image).text((8, 8), char, font=probe, fill=255)
    return image.tobytes()


def printable(text: str) -> str:
    """`text` with any character the fonts lack replaced by its unaccented letter, or '?', never a box."""
    out = []
    for char in text:
        if _has_glyph(char):
            out.append(char)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        out.append(base if base and all(_has_glyph(c) for c in base) else "?")
    return "".join(out)


@dataclass(frozen=True)
class FittedText:
    text: str  # what is drawn: the whole text, or a prefix and an ellipsis
    style: str
    size: int
    width: int
    left: int  # ink left of the pen position (zero or negative): draw this far to the right
    top: int  # from the baseline up to the highest ink or the font's ascent (negative)
    bottom: int  # from the baseline down to the lowest ink or the font's descent
    truncated: bool

    @property
    def height(self) -> int:
        return self.bottom - self.top

    @property
    def font(self) -> ImageFont.FreeTypeFont:
        return font(self.style, self.size)


@lru_cache(maxsize=256)
def text_mask(text: str, style: str, size: int) -> Image.Image:
    """A line of text drawn once as a 1-bit mask (1 = ink) the size of its ink box, so lines repeated on
    every label of a run (the school, the form) are pasted rather than drawn again."""
    fitted = _measure(text, style, size)
    mask = Image.new("1", (max(1, fitted.width), max(1, fitted.height)), 0)
    ImageDraw.Draw(mask).text((-fitted.left, -fitted.top), text, font=font(style, size), fill=1, anchor="ls")
    return mask


@lru_cache(maxsize=8192)  # a name is measured at the same sizes for the run's name size and again on its label
def _measure(text: str, style: str, size: int) -> FittedText:
    face = font(style, size)
    ascent, descent = face.getmetrics()
    # Whole pixels already (a TrueType face); Pillow's types allow floats for other fonts.
    left, top, right, bottom = (int(v) for v in face.getbbox(text, anchor="ls")) if text else (0, 0, 0, 0)
    left = min(left, 0)
    return FittedText(text=text, style=style, size=size, width=max(right, round(face.getlength(text))) - left,
                      left=left, top=min(top, -ascent), bottom=max(bottom, descent), truncated=False)


def size_for_height(style: str, height: int) -> int:
    face = font(style, 100)
    ascent, descent = face.getmetrics()
    # Leave room for stacked accents (Ễ) above the ascent line.
    return max(1, int(height * 100 / (ascent * 1.16 + descent)))


@lru_cache(maxsize=1024)  # the school's name and the forms repeat on every label of a print run
def fit_text(text: str, style: str, *, max_width: int, max_height: int, min_height: int) -> FittedText:
    """The largest size (up to `max_height` tall) at which `text` fits `max_width`; below `min_height`,
    the text is cut short with an ellipsis instead of shrinking further. The result always fits the box."""
    text = printable(text)
    size = size_for_height(style, max_height)
    smallest = min(size, size_for_height(style, min_height))
    fitted = _measure(text, style, size)
    while fitted.height > max_height and size > 1:  # only a surprise glyph gets here
        size -= 1
        fitted = _measure(text, style, size)
    if fitted.width > max_width:
        size = max(smallest, min(size - 1, int(size * max_width / fitted.width)))
        fitted = _measure(text, style, size)
        while fitted.width > max_width and size > smallest:
            size -= 1
            fitted = _measure(text, style, size)
    if fitted.width > max_width:
        fitted = _truncate(text, style, size, max_width)
    return fitted


def _truncate(text: str, style: str, size: int, max_width: int) -> FittedText:
    low, high, best = 0, len(text), _measure(ELLIPSIS, style, size)
    while low <= high:  # the longest prefix that still fits with the ellipsis
        middle = (low + high) // 2
        cut = middle
        while 0 < cut < len(text) and unicodedata.combining(text[cut]):
            cut -= 1  # never separate a letter from its accent
        candidate = _measure(text[:cut].rstrip(" -'") + ELLIPSIS, style, size)
        if candidate.width <= max_width:
            best, low = candidate, middle + 1
        else:
            high = middle - 1
    return FittedText(best.text, style, size, best.width, best.left, best.top, best.bottom, truncated=True)


@dataclass(frozen=True)
class FittedName:
    """A pupil's name as drawn: one line or two, all at one size; `text` is the name as a reader reads it."""

    text: str  # "Bartholomew Alexander Fitzgerald-Smith", or "B. Fitzgerald-Smith" when shortened
    lines: tuple[FittedText, ...]
    size: int
    shortened: bool  # the forename became an initial (or, for a name no label could hold, an ellipsis)
    gap: int  # pixels between the two lines' ink boxes

    @property
    def height(self) -> int:
        return sum(line.height for line in self.lines) + self.gap * (len(self.lines) - 1)


def _name_forms(name: str, surname: str) -> list[tuple[str, bool]]:
    """The ways of writing the name, most complete first: the whole name, then the forename as an initial.
    The surname is never dropped (it is how the office finds a pupil's phone in the tray)."""
    surname = surname.strip()
    if not surname or not name.endswith(surname):
        surname = name.rsplit(" ", 1)[-1]  # no surname given: the last word
    forename = name[: len(name) - len(surname)].strip()
    forms = [(name, False)]
    if forename:
        initial = forename[0].upper()
        forms.append((f"{initial}. {surname}", True))
    return forms


def _breaks(text: str) -> list[tuple[str, str]]:
    """Every way to put `text` on two lines: at a space, or after a hyphen."""
    splits: list[tuple[str, str]] = []
    for at, char in enumerate(text):
        if char == " ":
            splits.append((text[:at], text[at + 1:]))
        elif char == "-" and 0 < at < len(text) - 1:
            splits.append((text[: at + 1], text[at + 1:]))
    return splits


def _arrange(text: str, style: str, size: int, max_width: int, max_height: int,
             surname_at: int) -> tuple[FittedText, ...] | None:
    """`text` at `size` on one line if it fits, else on the two lines that fit (widest line narrowest), else None."""
    one = _measure(text, style, size)
    if one.width <= max_width and one.height <= max_height:
        return (one,)
    gap = max(1, size // 12)
    best: tuple[FittedText, ...] | None = None
    for first, second in _breaks(text):
        pair = (_measure(first, style, size), _measure(second, style, size))
        if max(p.width for p in pair) > max_width or pair[0].height + pair[1].height + gap > max_height:
            continue
        if surname_at and len(first) + 1 == surname_at:
            return pair  # forename(s) above, surname below: how a name is read when it is broken
        if best is None or max(p.width for p in pair) < max(p.width for p in best):
            best = pair
    return best


def _largest(text: str, style: str, *, max_width: int, max_height: int, top: int, bottom: int,
             surname_at: int) -> int:
    """The largest size from `top` down to `bottom` at which `text` fits on one or two lines, or 0."""
    if top >= bottom and _arrange(text, style, top, max_width, max_height, surname_at) is not None:
        # At the run's one name size (the smallest of the run's best sizes) nearly every name fits at once.
        return top
    low, high, found = bottom, top - 1, 0
    while low <= high:  # fitting is monotonic in size (bigger text is wider and taller)
        middle = (low + high) // 2
        if _arrange(text, style, middle, max_width, max_height, surname_at) is not None:
            found, low = middle, middle + 1
        else:
            high = middle - 1
    return found


@lru_cache(maxsize=4096)
def best_name_size(name: str, surname: str, style: str, *, max_width: int, max_height: int, min_size: int) -> int:
    """The largest size the whole name fits at (one line, or broken over two), or 0 below `min_size`."""
    name = printable(name)
    top = size_for_height(style, max_height)
    return _largest(name, style, max_width=max_width, max_height=max_height, top=top, bottom=min_size,
                    surname_at=len(name) - len(printable(surname)) if surname else 0)


@lru_cache(maxsize=4096)
def fit_name(name: str, surname: str, style: str, *, max_width: int, max_height: int, min_size: int,
             size: int | None = None) -> FittedName:
    """The pupil's name in the box: one line at the largest size (at most `size`, the run's one name size);
    broken over two lines before it shrinks; never below `min_size`, the layout's smallest legible type;
    then the forename as an initial; the surname always kept (an ellipsis only for a name no label holds)."""
    name, surname = printable(name), printable(surname)
    top = size_for_height(style, max_height)
    if size is not None:
        top = max(min_size, min(top, size))
    for text, shortened in _name_forms(name, surname):
        surname_at = len(text) - len(surname) if surname and text.endswith(surname) else 0
        fits = _largest(text, style, max_width=max_width, max_height=max_height, top=top, bottom=min_size,
                        surname_at=surname_at)
        if fits:
            lines = _arrange(text, style, fits, max_width, max_height, surname_at)
            assert lines is not None
            return FittedName(text, lines, fits, shortened, max(1, fits // 12))
    # No label could hold it at the smallest legible size: the initial and the surname, cut short on the line.
    text = _name_forms(name, surname)[-1][0]
    first, _, rest = text.partition(" ")
    gap = max(1, min_size // 12)
    halves = [first, rest] if rest else [text]
    lines = tuple(_truncate(half, style, min_size, max_width) if _measure(half, style, min_size).width > max_width
                  else _measure(half, style, min_size) for half in halves)
    while sum(line.height for line in lines) + gap * (len(lines) - 1) > max_height and len(lines) > 1:
        lines = (_truncate(text, style, min_size, max_width),)
    return FittedName(" ".join(line.text for line in lines), lines, min_size, True, gap)
