"""`kiosk doctor`: the IT technician's check of this PC's kiosk, a line each with what to do (kiosk/doctor.py)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.cli import AddCommand, Env, Subcommands


def register(add: AddCommand, sub: Subcommands) -> None:
    add("doctor", cmd_doctor, "check this PC's kiosk (Python, database, key, witness, disk, backups, printer, "
                              "clock) and say what to fix; changes nothing")


def cmd_doctor(env: Env, args: argparse.Namespace) -> int:
    from kiosk.cli import EXIT_OK, EXIT_PROBLEM
    from kiosk.doctor import Mark, examine

    findings = examine(env.settings, now=env.clock.now())
    for finding in findings:
        env.say(f"{finding.mark.value} {finding.what}: {finding.said}")
        if finding.fix:
            env.say(f"    → {finding.fix}")
    failed = sum(f.mark is Mark.FAIL for f in findings)
    warned = sum(f.mark is Mark.WARN for f in findings)
    if failed:
        env.say(f"{failed} to fix before the desk is used, {warned} to look at.")
        return EXIT_PROBLEM
    env.say(f"All checks passed{f', {warned} to look at' if warned else ''}.")
    return EXIT_OK
