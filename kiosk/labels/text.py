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


def _measure(text: str, style: str, size: int) -> FittedText:
    face = font(style, size)
    ascent, descent = face.getmetrics()
    # Whole pixels already (a TrueType face); Pillow's types allow floats for other fonts.
    left, top, right, bottom = (int(v) for v in face.getbbox(text, anchor="ls")) if text else (0, 0, 0, 0)
    left = min(left, 0)
    return FittedText(text=text, style=style, size=size, width=max(right, round(face.getlength(text))) - left,
                      left=left, top=min(top, -ascent), bottom=max(bottom, descent), truncated=False)


def _size_for_height(style: str, height: int) -> int:
    face = font(style, 100)
    ascent, descent = face.getmetrics()
    # Leave room for stacked accents (Ễ) above the ascent line.
    return max(1, int(height * 100 / (ascent * 1.16 + descent)))


@lru_cache(maxsize=1024)  # the school's name and the forms repeat on every label of a print run
def fit_text(text: str, style: str, *, max_width: int, max_height: int, min_height: int) -> FittedText:
    """The largest size (up to `max_height` tall) at which `text` fits `max_width`; below `min_height`,
    the text is cut short with an ellipsis instead of shrinking further. The result always fits the box."""
    text = printable(text)
    size = _size_for_height(style, max_height)
    smallest = min(size, _size_for_height(style, min_height))
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
