"""`kiosk schedule --print`: the timers every school needs (close of day, backups, audit check, retention report,
the PC check, the week's summary and review pack for the head, with --send also emailed to them) and a service
keeping `kiosk serve` running, as systemd units or Task Scheduler lines (kiosk/schedule.py)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.cli import AddCommand, Env, Subcommands


def register(add: AddCommand, sub: Subcommands) -> None:
    p = add("schedule", cmd_schedule, "print the scheduled jobs (close-day, backup, verify, retention, doctor, the "
                                      "head's papers) and the serve service for systemd or Windows Task Scheduler; "
                                      "installs nothing")
    p.add_argument("--print", dest="show", action="store_true", help="print them (the default)")
    p.add_argument("--for", dest="system", choices=("systemd", "windows"),
                   help="which scheduler (default: this PC's: windows on Windows, else systemd)")
    p.add_argument("--write", metavar="FOLDER", help="systemd: also save the unit files in FOLDER")
    p.add_argument("--serve-port", type=int, default=8000, help="the port kiosk serve listens on (default 8000)")
    p.add_argument("--send", action="store_true",
                   help="the week's summary and review pack also sent to the head by email (mail_head_address), "
                        "as well as written into the reports folder")


def cmd_schedule(env: Env, args: argparse.Namespace) -> int:
    from kiosk.cli import EXIT_OK
    from kiosk.config import data_dir
    from kiosk.platform import private_folder, write_private
    from kiosk.schedule import Setup, schtasks_commands, systemd_instructions, systemd_units

    settings = env.settings
    tls = bool(settings.serve_certificate and settings.serve_key)
    # Beyond this PC only over HTTPS (kiosk serve refuses plain HTTP there): without a certificate in kiosk.toml
    # the service serves this PC alone, and says so.
    setup = Setup(python=sys.executable, config=args.config, logs=data_dir() / "logs", reports=data_dir() / "reports",
                  port=args.serve_port,
                  host="0.0.0.0" if tls else "127.0.0.1", cert=settings.serve_certificate or None,
                  key=settings.serve_key or None, send=args.send)
    for written_to in (setup.logs, setup.reports):  # a job writes there: it must exist before the first run
        private_folder(written_to)
    system = args.system or ("windows" if sys.platform == "win32" else "systemd")
    _say_how_the_papers_go(env, args.send, setup.reports)
    if system == "windows":
        env.say(f"Run these in a Command Prompt as the account that runs the kiosk (logs go to {setup.logs}):")
        env.say_lines(schtasks_commands(setup))
        if not tls:
            env.say("The serve task listens on this PC only: set serve_certificate and serve_key in kiosk.toml (see "
                    "`kiosk serve --make-cert`) for a second desk on another PC.")
        return EXIT_OK
    units = systemd_units(setup)
    for name, text in units.items():
        env.say(f"# ---- {name}")
        env.say(text)
    folder = args.write or "~/.config/systemd/user"
    if args.write:
        target = private_folder(Path(args.write).expanduser())
        for name, text in units.items():
            write_private(target / name, text.encode("utf-8"))
        env.say(f"Saved {len(units)} files in {args.write}.")
    env.say(systemd_instructions(folder))
    env.say(f"Logs: {setup.logs} (one file per job).")
    if not tls:
        env.say("The serve service listens on this PC only: set serve_certificate and serve_key in kiosk.toml (see "
                "`kiosk serve --make-cert`) for a second desk on another PC.")
    return EXIT_OK


def _say_how_the_papers_go(env: Env, send: bool, reports: Path) -> None:
    """The head's papers: where they go, and (with --send) whether this PC's settings can send them yet."""
    from kiosk.reports.to_head import head_addresses, why_not_sent

    if not send:
        env.say(f"The head's papers (the week's summary and review pack) are written into {reports}; add --send to "
                "also email them to the head (mail_head_address).")
        return
    reason = why_not_sent(env.settings)
    if reason:
        env.say(f"NOTE: the head's papers will be written into {reports} but not sent until this is put right: "
                f"{reason}. Each run says so in its log and ends with exit status 1.")
    else:
        env.say(f"The head's papers are written into {reports} and sent to {', '.join(head_addresses(env.settings))}.")
