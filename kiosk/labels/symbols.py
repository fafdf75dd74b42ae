"""The two machine-readable symbols on every label, drawn with whole-pixel modules so they print crisply.

Quiet zones (clear space a scanner needs) are not drawn here; the label planner keeps them clear:
QR_QUIET modules around the QR code and CODE128_QUIET modules either side of the barcode.
"""

from __future__ import annotations

from functools import lru_cache

from barcode import Code128
from PIL import Image
from qrcode.constants import ERROR_CORRECT_H

from kiosk.labels.qr import best_matrix

QR_QUIET = 4  # ISO/IEC 18004
CODE128_QUIET = 10  # ISO/IEC 15417


@lru_cache(maxsize=4096)
def qr_modules(code: str) -> tuple[tuple[bool, ...], ...]:
    """The QR matrix for `code`: version 1 holds an 8-character code even at the highest error correction,
    so a scuffed or partly covered tag still scans."""
    return best_matrix(code, ERROR_CORRECT_H)


@lru_cache(maxsize=4096)
def code128_modules(code: str) -> str:
    """Code128 bars and spaces as '1'/'0', one character per module, start to stop."""
    return str(Code128(code).build()[0])  # python-barcode ships no types


def qr_size(code: str) -> int:
    return len(qr_modules(code))


def code128_length(code: str) -> int:
    return len(code128_modules(code))


def qr_image(code: str, module_px: int) -> Image.Image:
    """The QR symbol (no quiet zone), 1-bit black on white, `module_px` pixels to a module."""
    matrix = qr_modules(code)
    n = len(matrix)
    raw = bytes(0 if dark else 255 for row in matrix for dark in row)
    small = Image.frombytes("L", (n, n), raw).convert("1")
    return small.resize((n * module_px, n * module_px), Image.Resampling.NEAREST)


def code128_image(code: str, module_px: int, height: int) -> Image.Image:
    """The Code128 bars (no quiet zone), 1-bit, `module_px` pixels to a module, `height` pixels tall."""
    modules = code128_modules(code)
    raw = bytes(0 if m == "1" else 255 for m in modules)
    small = Image.frombytes("L", (len(modules), 1), raw).convert("1")
    return small.resize((len(modules) * module_px, height), Image.Resampling.NEAREST)
