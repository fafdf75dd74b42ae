"""The kiosk as B1, B4, B6 and B9 start it in a real terminal: the real `kiosk` command line (kiosk.cli.main), with
the wall clock's pace started at a chosen instant (the morning after the year's data), and its pid written
down so its memory can be read.

    python -m bench.desk_app --pidfile FILE --at 2027-07-15T08:05:00+01:00 [--stall-log FILE] -- --db DB
Settings (school, desk, key file) come from kiosk.toml in KIOSK_CONFIG_DIR, as at a school.

--stall-log (B9): once the app is mounted, a task on its event loop asks to be woken every STALL_TICK seconds and
writes down every wake-up later than STALL_LINE (`<monotonic time> <ms late> <ms of CPU the loop's thread used
meanwhile>`: little CPU means it was kept waiting, for a core, the GIL or a lock, rather than busy), plus a
heartbeat (`<monotonic time> 0 0`) every HEARTBEAT seconds, so the benchmark can tell the longest time the loop
was kept from its keys, including a stall still going on (no heartbeat since). CLOCK_MONOTONIC is shared by
processes.
--sqlite-busy-ms (B9's --quick run only, whose times mean nothing): a shorter SQLite busy timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

STALL_TICK = 0.005
STALL_LINE = 0.010
HEARTBEAT = 0.25


async def note_stalls(path: Path) -> None:
    with path.open("a", buffering=1, encoding="utf-8") as out:
        note_collections(out)
        beat = time.monotonic()
        while True:
            asked, cpu = time.monotonic(), time.thread_time()
            await asyncio.sleep(STALL_TICK)
            woke = time.monotonic()
            late = woke - asked - STALL_TICK
            if late > STALL_LINE:
                out.write(f"{woke:.4f} {late * 1000:.1f} {(time.thread_time() - cpu) * 1000:.1f}\n")
            if woke - beat >= HEARTBEAT:
                beat = woke
                out.write(f"{woke:.4f} 0 0\n")


def note_collections(out: Any) -> None:
    """Python's garbage collections of 10 ms or more, as `gc <monotonic time> <ms> <generation>`: one of them is
    a stall of the loop that is no work of the kiosk's own code."""
    started: list[float] = []

    def collected(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started[:] = [time.monotonic()]
        elif started:
            took = time.monotonic() - started[0]
            if took > STALL_LINE:
                out.write(f"gc {time.monotonic():.4f} {took * 1000:.1f} {info.get('generation')}\n")

    gc.callbacks.append(collected)


def watch_stalls(path: Path) -> None:
    """Start `note_stalls` on the app's own event loop when the kiosk's app is mounted."""
    from kiosk.app import KioskApp

    mounted = KioskApp.on_mount

    def on_mount(self: KioskApp) -> None:
        mounted(self)
        self._stall_probe = asyncio.get_running_loop().create_task(note_stalls(path))  # type: ignore[attr-defined]

    KioskApp.on_mount = on_mount  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pidfile", type=Path, required=True)
    parser.add_argument("--at", required=True, help="ISO date-time the desk's clock starts from")
    parser.add_argument("--stall-log", type=Path, help="write the event loop's late wake-ups here (B9)")
    parser.add_argument("--sqlite-busy-ms", type=int, help="a shorter SQLite busy timeout (B9 --quick only)")
    parser.add_argument("kiosk_args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    args.pidfile.write_text(str(os.getpid()))
    from bench.common import OffsetClock
    from kiosk.cli import main as kiosk_main

    if args.stall_log is not None:
        watch_stalls(args.stall_log)
    if args.sqlite_busy_ms is not None:
        from kiosk.db import connection

        connection.SQLITE_PRAGMAS["busy_timeout"] = args.sqlite_busy_ms
    kiosk_args = [a for a in args.kiosk_args if a != "--"]
    return kiosk_main(kiosk_args, clock=OffsetClock(datetime.fromisoformat(args.at)))


if __name__ == "__main__":
    sys.exit(main())
