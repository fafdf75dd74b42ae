"""What every benchmark shares: a clock that runs from a chosen instant, percentiles, one result row, the machine."""

from __future__ import annotations

import os
import platform
import sqlite3
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from kiosk.clock import Clock, as_utc

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


class OffsetClock(Clock):
    """The wall clock's pace, started at a chosen instant: a desk session on the day after the year's data,
    whatever today's date is on this machine (FixedClock would stop time, and the repeat filter with it)."""

    def __init__(self, start: datetime) -> None:
        self.start = as_utc(start)
        self._t0 = time.monotonic()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self._t0)


def percentile(values: list[float], p: float) -> float:
    """Linear interpolation between the closest ranks (numpy's default), for p in 0…100."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100.0
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: list[float]) -> float:
    return percentile(values, 50)


# Status of one figure: measured and within budget, measured and over budget, measured with no budget
# (context for another figure), not measurable yet (the feature is being built), not measurable here
# (a tool is missing), or the benchmark itself broke.
PASS, FAIL, INFO, PENDING, SKIPPED, ERROR = "pass", "fail", "info", "pending", "skipped", "error"


@dataclass
class Figure:
    key: str  # stable JSON key, e.g. "B2.hand_in_p50"
    title: str  # what the table shows
    unit: str
    value: float | None = None
    budget: str = ""  # the rule in words, e.g. "≤ 3 × raw"
    baseline: float | None = None
    baseline_label: str = ""  # what the baseline is
    ratio: float | None = None  # value / baseline
    status: str = INFO
    detail: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def judge(self, ok: bool | None) -> Figure:
        """Set pass/fail from a budget check (None: no budget, the figure is for context)."""
        self.status = INFO if ok is None else (PASS if ok else FAIL)
        return self

    def with_baseline(self, baseline: float | None, label: str) -> Figure:
        self.baseline, self.baseline_label = baseline, label
        if baseline and self.value is not None:
            self.ratio = self.value / baseline
        return self

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def machine() -> dict[str, Any]:
    """The machine the figures were measured on (for docs/performance.md)."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_mb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_mb = int(line.split()[1]) // 1024
    except OSError:
        pass
    import peewee
    import textual

    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_mb": ram_mb,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "textual": getattr(textual, "__version__", "?"),
        "peewee": peewee.__version__,
        "executable": sys.executable,
    }


def peak_rss_mb(pid: int) -> tuple[float | None, float | None]:
    """(peak, current) resident set size of a live process, in MB, from /proc (VmHWM is the high-water mark)."""
    peak = current = None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
            elif line.startswith("VmRSS:"):
                current = int(line.split()[1]) / 1024
    except OSError:
        pass
    return peak, current


def read_only(path: Path, *, immutable: bool = False) -> sqlite3.Connection:
    """A connection for reading a benchmark database. `immutable`: the cached year, which nothing writes
    (no locks, no -wal/-shm files created next to it)."""
    if immutable:
        return sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    return sqlite3.connect(str(path))
