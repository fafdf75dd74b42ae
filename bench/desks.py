"""B8's desks: separate processes, each signed in at its own desk, working through its queue of hand-ins.

Per scan a desk does what the desk screen does: normalise the scan, resolve it to pupil and tag, hand the
phone in, and refresh the header counts. Any exception is an error (a Conflict after the domain's own
retries, a StorageFailed, anything else); "already in" answers to a phone another desk has just taken are not.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any


@dataclass
class DeskJob:
    url: str
    key_hex: str
    initials: str
    pin: str
    desk: str
    start_at: str  # ISO: the desk clock's starting instant
    codes: list[str]
    witness: str  # this desk's audit witness file (each real desk has one, beside its key file)


@dataclass
class DeskResult:
    desk: str
    handed_in: int = 0
    other_outcomes: dict[str, int] = field(default_factory=dict)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)  # seconds per scan
    started: float = 0.0  # perf_counter (CLOCK_MONOTONIC: comparable between processes)
    finished: float = 0.0


def run_desk(job: DeskJob, barrier: Any = None) -> DeskResult:
    from bench.common import OffsetClock
    from bench.yeardata import settings
    from kiosk.auth import sign_in
    from kiosk.custody import DeskContext, Outcome, desk_counts, hand_in, normalise, resolve
    from kiosk.keyring import Keyring
    from kiosk.storage import open_for_desk

    result = DeskResult(job.desk)
    db = open_for_desk(job.url, witness=Path(job.witness))
    s = settings()
    keyring = Keyring(bytes.fromhex(job.key_hex))
    clock = OffsetClock(datetime.fromisoformat(job.start_at))
    who = sign_in(keyring=keyring, clock=clock, desk=job.desk, who=job.initials, pin=job.pin)
    ctx = DeskContext(keyring, clock, s, who)
    desk_counts(clock, s)  # the desk shows its header before the first scan
    if barrier is not None:
        barrier.wait(timeout=120)
    result.started = time.perf_counter()
    for code in job.codes:
        t0 = time.perf_counter()
        try:
            receipt = hand_in(ctx, resolve(normalise(code)))
            desk_counts(clock, s)
        except Exception as exc:  # noqa: BLE001 - every failure is counted and sampled
            result.errors += 1
            if len(result.error_samples) < 5:
                result.error_samples.append(f"{type(exc).__name__}: {exc} "
                                            f"{traceback.format_exc(limit=2).splitlines()[-1]}")
        else:
            if receipt.outcome is Outcome.HANDED_IN:
                result.handed_in += 1
            else:
                result.other_outcomes[receipt.outcome.value] = result.other_outcomes.get(receipt.outcome.value, 0) + 1
        result.latencies.append(time.perf_counter() - t0)
    result.finished = time.perf_counter()
    db.close()
    return result


def desk_process(job: DeskJob, barrier: Any, queue: Any) -> None:
    """multiprocessing target: run the desk and send back its result (or the failure that stopped it)."""
    try:
        queue.put(run_desk(job, barrier))
    except BaseException as exc:  # noqa: BLE001
        if barrier is not None:
            barrier.abort()
        failed = DeskResult(job.desk, errors=len(job.codes))
        failed.error_samples.append(f"desk process failed: {type(exc).__name__}: {exc}")
        queue.put(failed)
