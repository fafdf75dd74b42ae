"""`kiosk serve`: the kiosk in a web browser on a second PC (textual-serve); sign-in exactly as at the desk, each
browser session at a desk of its own name, over HTTPS beyond this PC."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.cli import AddCommand, Env, Subcommands


def register(add: AddCommand, sub: Subcommands) -> None:
    from kiosk.serve import DEFAULT_HOST, DEFAULT_PORT

    p = add("serve", cmd_serve, "serve the kiosk to a web browser (each tab signs in at the lock screen, as at "
                                "the desk); this PC only unless --host says otherwise, and then over HTTPS")
    p.add_argument("--host", default=DEFAULT_HOST,
                   help=f"address to listen on (default {DEFAULT_HOST}: this PC only; 0.0.0.0 is every network, "
                        "which needs --cert/--key)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p.add_argument("--cert", help="HTTPS certificate (PEM), the school's or one made with --make-cert")
    p.add_argument("--key", help="the certificate's private key (PEM)")
    p.add_argument("--insecure", action="store_true",
                   help="serve beyond this PC over plain HTTP (PINs and names unencrypted): a trusted network only")
    p.add_argument("--make-cert", metavar="FOLDER",
                   help="make a self-signed certificate for this PC in FOLDER (kiosk-serve.crt and .key), print "
                        "its fingerprint, and stop")
    p.add_argument("--name", action="append", default=[], metavar="HOST",
                   help="with --make-cert: another name or address the other desks type (repeatable)")


def cmd_serve(env: Env, args: argparse.Namespace) -> int:
    import os
    import sys

    from kiosk.certificates import CertificateProblem, make_self_signed, server_context
    from kiosk.cli import EXIT_OK, CommandError
    from kiosk.config import key_file_path, witness_path
    from kiosk.db.models import Staff
    from kiosk.formatting import long_date
    from kiosk.serve import (
        ServeUnavailable,
        exposure_warning,
        kiosk_command,
        make_server,
        needs_tls,
        session_environment,
    )

    now = env.clock.now()
    if args.make_cert:
        folder = Path(args.make_cert).expanduser()
        made = make_self_signed(folder / "kiosk-serve.crt", folder / "kiosk-serve.key", now=now,
                                names=tuple(args.name))
        env.say(f"Certificate: {made.path} (key beside it, private to this account), valid until "
                f"{long_date(made.not_after.date())}, for {', '.join(made.names)}.")
        env.say(f"SHA-256 fingerprint: {made.fingerprint}")
        env.say("The first time a browser opens the kiosk it warns that it does not know this certificate: check the "
                "fingerprint it shows is this one, then accept it. Start with: kiosk serve --host 0.0.0.0 "
                f"--cert \"{made.path}\" --key \"{folder / 'kiosk-serve.key'}\"")
        return EXIT_OK
    args.cert = args.cert or env.settings.serve_certificate or None
    args.key = args.key or env.settings.serve_key or None
    if bool(args.cert) != bool(args.key):
        raise CommandError("Give both --cert FILE and --key FILE (the certificate and its private key), or both "
                           "serve_certificate and serve_key in kiosk.toml.")
    refusal = needs_tls(args.host, tls=bool(args.cert), insecure=args.insecure)
    if refusal:
        raise CommandError(refusal)
    tls = None
    if args.cert:
        try:
            tls, certificate = server_context(Path(args.cert).expanduser(), Path(args.key).expanduser(), now=now)
        except CertificateProblem as exc:
            raise CommandError(str(exc)) from None
        env.say(f"HTTPS with {certificate.path}, valid until {long_date(certificate.not_after.date())}; "
                f"SHA-256 fingerprint {certificate.fingerprint}")

    # Check here what each browser session would otherwise fail on behind a blank page.
    env.open()
    if not Staff.select().where(Staff.active == True).exists():  # noqa: E712
        raise CommandError("No staff are set up in this database yet. Run: kiosk init --admin-name NAME --initials XX")
    env.keyring()
    if not 0 < args.port < 65536:
        raise CommandError(f"--port {args.port} is not a port number (1-65535).")
    desks = env.settings.desks or (env.settings.desk,)
    command = kiosk_command(config=args.config)
    try:
        server = make_server(command=command, host=args.host, port=args.port, desks=desks, tls=tls,
                             title=f"{env.settings.school_name}: phone custody kiosk")
    except ServeUnavailable as exc:
        raise CommandError(str(exc)) from None
    warning = exposure_warning(args.host, args.port, tls=tls is not None)
    if warning:
        env.say(warning)
        if tls is None:  # plain HTTP beyond this PC: on the console too, whatever happens to standard output
            print(warning, file=sys.stderr)
    if len(desks) == 1:
        env.say(f"Desk name for browser sessions: {desks[0]} (change it with: kiosk --desk NAME serve, or list the "
                "school's desks in kiosk.toml: desks = [\"Reception\", \"Student Services\"])")
    else:
        env.say(f"Each browser session chooses its desk first: {', '.join(desks)}.")
    os.environ.update(session_environment(database=env.url, desk=desks[0]))
    # And the key file this process checked, its witness and the school's name, so each session opens the same
    # school as this command did: the demo school too, which no settings file names (kiosk.cli._school_in_use).
    witness = witness_path(env.settings)
    os.environ.update({"KIOSK_KEY_FILE": str(key_file_path(env.settings)), "KIOSK_SCHOOL": env.settings.school_name,
                       "KIOSK_WITNESS_FILE": str(witness) if witness else "off"})
    server.serve()
    return 0
