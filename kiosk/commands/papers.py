"""`kiosk desk-card`: the printable command barcodes for driving the desk by scanner alone."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.cli import AddCommand, Env, Subcommands


def register(add: AddCommand, sub: Subcommands) -> None:
    p = add("desk-card", cmd_desk_card, "print-ready PDF of command barcodes (hand in, hand back, lock, close day)")
    p.add_argument("--out", required=True, help="PDF file to write")


def cmd_desk_card(env: Env, args: argparse.Namespace) -> int:
    from kiosk.documents.desk_card import desk_card
    from kiosk.platform import write_private

    write_private(Path(args.out), desk_card(env.settings.school_name, env.settings.desk))
    env.say(f"Desk card written to {args.out}: print it at 100% scale and stick it beside the scanner.")
    return 0
