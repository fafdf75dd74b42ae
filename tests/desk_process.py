"""Another desk in a process of its own, on the same database: what a second reception PC does meanwhile.

    python tests/desk_process.py [--desk NAME] [--at ISO_TIME] [--pin PIN] DB KEY_FILE STEP...

A STEP is `in:CODE` (hand in), `back:CODE` (hand back) or `release:CUSTODY_ID:PIN` (release a confiscated
phone to the pupil's first carer, authorised with PIN). One line is printed per step, flushed: the desk's
headline ("HANDED IN"), or for a release `WON`, or `LOST` and the desk's refusal when another desk got there
first. The desk is Ann Adams (AA), the school's office staff; with --pin she signs in as the kiosk does,
without it she is taken as signed in. --at fixes the clock (the school's test day); without it, real time.
Tests start it with `command(school, *steps)`.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

SCRIPT = Path(__file__).resolve()


def command(school, *steps: str, desk: str = "Reception 2", at: datetime | None = None,
            pin: str | None = None) -> list[str]:
    """The argv that runs this desk on `school`'s database and key file (spawn it however the test needs)."""
    argv = [sys.executable, str(SCRIPT), "--desk", desk]
    if at is not None:
        argv += ["--at", at.isoformat()]
    if pin is not None:
        argv += ["--pin", pin]
    return [*argv, school.url, str(school.key_path), *steps]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db")
    parser.add_argument("key_file", type=Path)
    parser.add_argument("--desk", default="Reception 2")
    parser.add_argument("--at", type=datetime.fromisoformat)
    parser.add_argument("--pin")
    parser.add_argument("steps", nargs="*")
    args = parser.parse_intermixed_args(argv)

    from kiosk.auth import SignedIn, sign_in
    from kiosk.clock import Clock, FixedClock
    from kiosk.config import Settings
    from kiosk.custody import Conflict, DeskContext, hand_back, hand_in, normalise, resolve
    from kiosk.custody.queries import carers_to_contact
    from kiosk.custody.release import release_to_carer
    from kiosk.db import Custody, open_database
    from kiosk.keyring import load_key_file

    open_database(args.db)
    keyring = load_key_file(args.key_file)
    clock = FixedClock(args.at) if args.at else Clock()
    if args.pin:
        who = sign_in(keyring=keyring, clock=clock, desk=args.desk, who="AA", pin=args.pin)
    else:
        who = SignedIn(staff_id=1, name="Ann Adams", initials="AA", role="office", desk=args.desk)
    ctx = DeskContext(keyring, clock, Settings(school_name="Hillcrest Academy", desk=args.desk), who)
    for step in args.steps:
        action, _, rest = step.partition(":")
        if action in ("in", "back"):
            receipt = (hand_in if action == "in" else hand_back)(ctx, resolve(normalise(rest)))
            print(receipt.outcome.value, flush=True)
        elif action == "release":
            custody_id, pin = rest.split(":")
            pupil_id = Custody.get_by_id(int(custody_id)).pupil_id
            try:
                release_to_carer(ctx, int(custody_id), pin=pin, id_seen="passport",
                                 carer_id=carers_to_contact(pupil_id=pupil_id)[0].id)
                print("WON", flush=True)
            except Conflict as exc:
                print("LOST", exc.message, flush=True)
        else:
            parser.error(f"not a step: {step!r} (in:CODE, back:CODE or release:CUSTODY_ID:PIN)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
