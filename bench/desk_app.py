"""The kiosk as B1, B4 and B6 start it in a real terminal: the real `kiosk` command line (kiosk.cli.main), with
the wall clock's pace started at a chosen instant (the morning after the year's data), and its pid written
down so its memory can be read.

    python -m bench.desk_app --pidfile FILE --at 2027-07-15T08:05:00+01:00 -- --db DB
Settings (school, desk, key file) come from kiosk.toml in KIOSK_CONFIG_DIR, as at a school.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pidfile", type=Path, required=True)
    parser.add_argument("--at", required=True, help="ISO date-time the desk's clock starts from")
    parser.add_argument("kiosk_args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    args.pidfile.write_text(str(os.getpid()))
    from bench.common import OffsetClock
    from kiosk.cli import main as kiosk_main

    kiosk_args = [a for a in args.kiosk_args if a != "--"]
    return kiosk_main(kiosk_args, clock=OffsetClock(datetime.fromisoformat(args.at)))


if __name__ == "__main__":
    sys.exit(main())
