"""QR matrices with the standard's best mask, chosen fast enough for a 1,500-label print run.

The qrcode package picks the mask by building all eight masked symbols and scoring each in pure Python
(about 5 ms a code: half the label budget). Here the symbol is built once with mask 0, the other seven
are derived by flipping the data modules and rewriting the format bits (row-wise integer XOR), and the
four penalty rules of ISO/IEC 18004 §7.8.3 are scored on strings. A test checks every derived matrix
against the qrcode package's own for that mask.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import qrcode
from qrcode.util import mask_func

MASKS = range(8)
_RUN = re.compile(r"0{5,}|1{5,}")
# Finder-like patterns (N3). Neither overlaps itself and they start differently, so counting each with str.count
# counts every position where one begins (a look-ahead regex did the same, 6 times slower).
_FINDER_LIKE = ("10111010000", "00001011101")


@dataclass(frozen=True)
class _Geometry:
    size: int
    flips: tuple[tuple[int, ...], ...]  # per mask: the data modules that differ from mask 0, as row bits
    format_clear: tuple[int, ...]  # per row: every bit except the format-information modules
    format_bits: tuple[tuple[int, ...], ...]  # per mask: the format-information modules, as row bits


def _row_bits(size: int, cells: list[list[bool]]) -> tuple[int, ...]:
    return tuple(sum(1 << (size - 1 - c) for c, on in enumerate(row) if on) for row in cells)


@lru_cache(maxsize=64)
def _geometry(version: int, error_correction: int) -> _Geometry:
    size = version * 4 + 17
    probe = qrcode.QRCode(version=version, error_correction=error_correction)
    probe.modules_count = size
    probe.modules = [[None] * size for _ in range(size)]
    probe.setup_position_probe_pattern(0, 0)
    probe.setup_position_probe_pattern(size - 7, 0)
    probe.setup_position_probe_pattern(0, size - 7)
    probe.setup_position_adjust_pattern()
    probe.setup_timing_pattern()
    if version >= 7:
        probe.setup_type_number(False)
    fixed = [[m is not None for m in row] for row in probe.modules]
    probe.setup_type_info(False, 0)
    data = [[m is None for m in row] for row in probe.modules]
    fmt = [[probe.modules[r][c] is not None and not fixed[r][c] for c in range(size)] for r in range(size)]
    zero = mask_func(0)
    flips, bits = [], []
    for mask in MASKS:
        other = mask_func(mask)
        flips.append(_row_bits(size, [[data[r][c] and zero(r, c) != other(r, c) for c in range(size)]
                                      for r in range(size)]))
        probe.setup_type_info(False, mask)
        bits.append(_row_bits(size, [[fmt[r][c] and bool(probe.modules[r][c]) for c in range(size)]
                                     for r in range(size)]))
    full = (1 << size) - 1
    return _Geometry(size, tuple(flips), tuple(full ^ m for m in _row_bits(size, fmt)), tuple(bits))


def penalty(rows: list[str]) -> int:
    """ISO/IEC 18004 mask penalty (N1 runs, N2 blocks, N3 finder-like patterns, N4 dark balance)."""
    size = len(rows)
    # Every row and column in one string, separated by a character that breaks runs and patterns.
    lines = "2".join(rows + ["".join(column) for column in zip(*rows, strict=True)])
    score = sum(len(run) - 2 for run in _RUN.findall(lines))  # 3 + (length - 5) per run
    score += 40 * sum(lines.count(pattern) for pattern in _FINDER_LIKE)
    numbers = [int(row, 2) for row in rows]
    low = (1 << (size - 1)) - 1
    blocks = 0
    for upper, lower in zip(numbers, numbers[1:], strict=False):
        same_down = ~(upper ^ lower)
        blocks += (same_down & (same_down >> 1) & ~(upper ^ (upper >> 1)) & low).bit_count()
    dark = sum(row.count("1") for row in rows)
    total = size * size
    return score + 3 * blocks + 10 * (abs(dark * 100 - 50 * total) // (5 * total))


def masked_rows(code: str, error_correction: int) -> list[list[str]]:
    """`code`'s symbol under each of the eight masks, as rows of '0'/'1' (for the test against qrcode)."""
    qr = qrcode.QRCode(error_correction=error_correction, border=0, box_size=1, mask_pattern=0)
    qr.add_data(code)
    qr.make(fit=True)
    geometry = _geometry(qr.version, error_correction)
    base = _row_bits(geometry.size, qr.modules)
    width = geometry.size
    return [
        [format(((row ^ flip) & clear) | fmt, f"0{width}b")
         for row, flip, clear, fmt in zip(base, geometry.flips[mask], geometry.format_clear,
                                          geometry.format_bits[mask], strict=True)]
        for mask in MASKS
    ]


def best_matrix(code: str, error_correction: int) -> tuple[tuple[bool, ...], ...]:
    """The symbol with the lowest-penalty mask (ties go to the lower mask number, as in the standard)."""
    candidates = masked_rows(code, error_correction)
    best = min(MASKS, key=lambda mask: (penalty(candidates[mask]), mask))
    return tuple(tuple(ch == "1" for ch in row) for row in candidates[best])
