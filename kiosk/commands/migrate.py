"""`kiosk migrate --from kiosk.db --to postgresql://…`: move a single-desk school onto a shared server."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.cli import AddCommand, Env, Subcommands


def register(add: AddCommand, sub: Subcommands) -> None:
    p = add("migrate", cmd_migrate,
            "copy a single-desk SQLite database into an empty PostgreSQL database shared by several desks, "
            "verifying the audit trail on both sides")
    p.add_argument("--from", dest="source", required=True, metavar="SQLITE_FILE",
                   help="the school's SQLite database file (it is only read, never changed)")
    p.add_argument("--to", dest="target", required=True, metavar="POSTGRESQL_URL",
                   help="postgresql://user:password@host:5432/database — an empty database of its own")


def cmd_migrate(env: Env, args: argparse.Namespace) -> int:
    from pathlib import Path

    from kiosk.config import key_file_path
    from kiosk.db.connection import redact
    from kiosk.storage.transfer import migrate_sqlite_to_postgres

    keyring = env.keyring()
    key_path = key_file_path(env.settings)
    env.say(f"Moving {args.source} to {redact(args.target)}")
    report = migrate_sqlite_to_postgres(Path(args.source), args.target, keyring, progress=env.say)
    if report.source_schema_upgraded:
        env.say("(The file was from an older kiosk: its copy was brought up to date on the way; the file itself "
                "was not changed.)")
    if report.not_copied:
        env.say(f"Not copied (not kiosk tables): {', '.join(report.not_copied)}")
    events = report.target_audit.events_checked if report.target_audit else 0
    env.say(f"Copied {report.rows:,} rows in {len(report.tables)} tables; every table matches the original row "
            "for row.")
    env.say(f"Audit trail verified on both sides: {events:,} events, chain head {report.chain_head[:16]}…")
    env.say("Next:")
    env.say(f"  1. Give every desk a copy of the key file {key_path} (mode 0600): without it PINs and the "
            "audit trail cannot be checked.")
    env.say(f"  2. Start each desk with: kiosk --db {redact(args.target)} --desk \"Reception 2\"   (its own name)")
    env.say(f"  3. Keep {args.source} as an archive; do not hand phones in on it any more.")
    return 0
