"""`kiosk purge` and `kiosk subject-access`: the school's UK GDPR duties from the command line."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.cli import AddCommand, Env, Subcommands
    from kiosk.custody import DeskContext


def register(add: AddCommand, sub: Subcommands) -> None:
    from kiosk.cli import admin_args

    p = add("purge", cmd_purge, "apply the retention policy: erase what is past its time, report what was kept")
    p.add_argument("--dry-run", action="store_true", help="report what would go, change nothing (needs no admin)")
    admin_args(p)
    p = add("subject-access", cmd_subject_access, "export everything held about one pupil (UK GDPR)")
    p.add_argument("pupil", help="the pupil's admission number")
    p.add_argument("--out", required=True, help="file to write (JSON)")


def _ctx(env: Env) -> DeskContext:
    from kiosk.cli import command_line_actor
    from kiosk.custody import DeskContext

    return DeskContext(env.keyring(), env.clock, env.settings, command_line_actor(env))


def cmd_purge(env: Env, args: argparse.Namespace) -> int:
    from kiosk.cli import admin_signs
    from kiosk.custody import DeskContext
    from kiosk.privacy.retention import purge

    env.open()
    # Erasing is for good: an admin signs for it, and the purge's event names them. A dry run changes nothing.
    ctx = _ctx(env) if args.dry_run else DeskContext(env.keyring(), env.clock, env.settings,
                                                     admin_signs(env, args, "erase records under the retention policy"))
    report = purge(ctx, dry_run=args.dry_run)
    for line in report.lines():
        env.say(line)
    if args.dry_run:
        env.say("Dry run: nothing was changed.")
    else:
        env.say("The audit trail still verifies: payloads were erased, the chain kept (check: kiosk audit verify).")
    return 0


def cmd_subject_access(env: Env, args: argparse.Namespace) -> int:
    from kiosk.cli import CommandError
    from kiosk.documents.saved import write_private
    from kiosk.platform import FileNotSaved
    from kiosk.privacy.subject_access import subject_access

    env.open()
    export = subject_access(_ctx(env), args.pupil)
    data = json.dumps(export, ensure_ascii=False, indent=2, default=str).encode("utf-8")
    try:
        write_private(Path(args.out), data)  # the pupil's whole record: this account only, written whole
    except FileNotSaved:
        raise  # already in the desk's words (a full disk, say)
    except OSError as error:
        raise CommandError(f"The export was not written to {args.out}: {error.strerror or error}. Check the "
                           "folder exists and can be written to, then run the command again.") from None
    withheld = export["withheld"]
    env.say(f"Written {args.out}: {len(export['phone_records'])} phone records, {len(export['history'])} events, "
            f"{len(export['searches'])} searches.")
    if withheld["safeguarding notes"] or withheld["phone records under safeguarding"]:
        env.say(f"Withheld pending DSL review: {withheld['safeguarding notes']} safeguarding notes, "
                f"{withheld['phone records under safeguarding']} records.")
    return 0
