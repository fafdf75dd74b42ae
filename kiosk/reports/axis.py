"""Round numbers for a chart's value axis: steps of 1, 2 or 5 × 10ⁿ whose last tick is at or above every bar."""

from __future__ import annotations

import math
from dataclasses import dataclass

# Five intervals (six ticks) at most: enough to read a bar against, few enough to label at 7 pt.
MOST_INTERVALS = 5


@dataclass(frozen=True)
class Axis:
    step: float
    top: float

    @property
    def ticks(self) -> tuple[float, ...]:
        count = round(self.top / self.step)
        return tuple(_tidy(self.step * n) for n in range(count + 1))


def nice_axis(maximum: float, *, most_intervals: int = MOST_INTERVALS, whole: bool = True) -> Axis:
    """The smallest round step (1, 2, 5 × 10ⁿ) that reaches `maximum` in at most `most_intervals` steps, and the
    first multiple of it at or above `maximum` as the top. `whole`: counts, so never a step below 1."""
    if most_intervals < 1:
        raise ValueError("an axis needs at least one interval")
    if not math.isfinite(maximum) or maximum <= 0:
        return Axis(1, 1)
    exponent = math.floor(math.log10(maximum / most_intervals))
    if whole:
        exponent = max(exponent, 0)
    while True:
        for mantissa in (1, 2, 5):
            step = _tidy(mantissa * 10.0 ** exponent)
            intervals = math.ceil(round(maximum / step, 9))
            if intervals <= most_intervals:
                return Axis(step, _tidy(step * max(intervals, 1)))
        exponent += 1


def _tidy(value: float) -> float:
    """0.1 × 3 is 0.30000000000000004: round away float noise so ticks print as people write them."""
    rounded = round(value, 9)
    return int(rounded) if rounded == int(rounded) else rounded
