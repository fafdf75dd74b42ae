"""`kiosk purge` and `kiosk subject-access`: the school's UK GDPR duties from the command line."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.auth import SignedIn
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
    p.add_argument("--for-carer", metavar="NAME",
                   help="the carer asking on the pupil's behalf, as the MIS names them: the other carers' contact "
                        "details, notes and messages are left out")
    p.add_argument("--include-safeguarding", action="store_true",
                   help="release the safeguarding records, the DSL's notes and the kinds of concern into the export "
                        "(withheld by default under the safeguarding exemption): the DSL signs for it with --dsl")
    p.add_argument("--dsl", metavar="INITIALS", help="the DSL releasing safeguarding information (asks for their PIN)")
    p.add_argument("--pin-stdin", action="store_true", help="read the DSL's PIN from the first line of standard input")


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
    export = subject_access(_ctx(env), args.pupil, safeguarding_by=_dsl_signs(env, args), for_carer=args.for_carer)
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
            f"{len(export['searches'])} searches, {len(export['examinations'])} examinations, "
            f"{len(export['messages'])} messages.")
    if withheld["safeguarding notes"] or withheld["phone records under safeguarding"] or withheld["kinds of concern"]:
        env.say(f"Withheld pending DSL review (the safeguarding exemption): {withheld['safeguarding notes']} "
                f"safeguarding notes, {withheld['phone records under safeguarding']} records, "
                f"{withheld['kinds of concern']} kinds of concern. The DSL may release them: --include-safeguarding "
                "--dsl INITIALS.")
    noted = withheld["carers' court-order or access notes"]
    if noted:
        env.say(f"Withheld as other people's information: the court-order or access notes of {noted} carer(s).")
    if export["safeguarding"]:
        env.say(f"Safeguarding information released by {export['safeguarding']['released_by']}.")
    return 0


def _dsl_signs(env: Env, args: argparse.Namespace) -> SignedIn | None:
    """The DSL who releases safeguarding information into the export: --dsl INITIALS, then their PIN (a wrong one
    counts toward their lockout as at the desk). None without --include-safeguarding."""
    import getpass
    import sys

    from kiosk.auth.staff import confirm_pin
    from kiosk.cli import CommandError

    if not args.include_safeguarding:
        if args.dsl:
            raise CommandError("--dsl is for --include-safeguarding: add it, or leave --dsl out. Nothing was written.")
        return None
    initials = (args.dsl or "").strip()
    if not initials:
        raise CommandError("Only the DSL may release safeguarding information: add --dsl INITIALS (the DSL's) and type "
                           "their PIN when asked (with --pin-stdin, as the first line). Nothing was written.")
    pin = sys.stdin.readline().strip() if args.pin_stdin else getpass.getpass(f"PIN for {initials.upper()} (DSL): ")
    return confirm_pin(keyring=env.keyring(), clock=env.clock, desk=env.settings.desk, who=initials, pin=pin,
                       purpose="release safeguarding information into a subject access export")
