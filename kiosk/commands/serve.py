"""`kiosk serve`: the kiosk in a web browser on a second PC (textual-serve); sign-in exactly as at the desk."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.cli import AddCommand, Env, Subcommands

def register(add: AddCommand, sub: Subcommands) -> None:
    from kiosk.serve import DEFAULT_HOST, DEFAULT_PORT

    p = add("serve", cmd_serve, "serve the kiosk to a web browser (each tab signs in at the lock screen, as at "
                                "the desk); this PC only unless --host says otherwise")
    p.add_argument("--host", default=DEFAULT_HOST,
                   help=f"address to listen on (default {DEFAULT_HOST}: this PC only; 0.0.0.0 is every network, "
                        "with a warning)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")


def cmd_serve(env: Env, args: argparse.Namespace) -> int:
    import os
    import sys

    from kiosk.cli import CommandError
    from kiosk.config import key_file_path, witness_path
    from kiosk.db.models import Staff
    from kiosk.serve import ServeUnavailable, exposure_warning, kiosk_command, make_server, session_environment

    # Check here what each browser session would otherwise fail on behind a blank page.
    env.open()
    if not Staff.select().where(Staff.active == True).exists():  # noqa: E712
        raise CommandError("No staff are set up in this database yet. Run: kiosk init --admin-name NAME --initials XX")
    env.keyring()
    if not 0 < args.port < 65536:
        raise CommandError(f"--port {args.port} is not a port number (1-65535).")
    command = kiosk_command(config=args.config)
    try:
        server = make_server(command=command, host=args.host, port=args.port)
    except ServeUnavailable as exc:
        raise CommandError(str(exc)) from None
    warning = exposure_warning(args.host, args.port)
    if warning:
        env.say(warning)
        print(warning, file=sys.stderr)
    env.say(f"Desk name for browser sessions: {env.settings.desk} (change it with: kiosk --desk NAME serve)")
    os.environ.update(session_environment(database=env.url, desk=env.settings.desk))
    # And the key file this process checked, its witness and the school's name, so each session opens the same
    # school as this command did: the demo school too, which no settings file names (kiosk.cli._school_in_use).
    witness = witness_path(env.settings)
    os.environ.update({"KIOSK_KEY_FILE": str(key_file_path(env.settings)), "KIOSK_SCHOOL": env.settings.school_name,
                       "KIOSK_WITNESS_FILE": str(witness) if witness else "off"})
    server.serve()
    return 0
