"""`kiosk labels`, `kiosk printers` and `kiosk tags replace`: tag labels on the office's printers (`kiosk print-jobs`,
their history, is registered with them: kiosk/commands/print_jobs.py)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from kiosk.commands import print_jobs
from kiosk.reports.text_table import text_table

if TYPE_CHECKING:
    from kiosk.cli import AddCommand, Env, Subcommands
    from kiosk.custody import DeskContext
    from kiosk.labels import Layout, Printer

CLI_WAIT_SECONDS = 300.0  # a long batch on a label roll takes minutes; a printer that is off never ends


def register(add: AddCommand, sub: Subcommands) -> None:
    p = add("labels", cmd_labels, "print tag labels: one pupil, a form, a year, everyone, or those never printed")
    p.add_argument("--pupil", help="one pupil, by admission number")
    p.add_argument("--form")
    p.add_argument("--year", type=int)
    p.add_argument("--never-printed", action="store_true", help="only tags whose label has never been printed")
    p.add_argument("--layout", help="label layout (default from settings); --layouts lists them")
    p.add_argument("--layouts", action="store_true", help="list the label layouts and stop")
    p.add_argument("--out", help="save to this folder (one PDF per job), or PDF or PNG file, instead of printing "
                                 "(never over an earlier file)")
    p.add_argument("--printer", help="print to this CUPS queue (see `kiosk printers`)")
    p.add_argument("--brother", help="print to a Brother QL: /dev/usb/lp0 or tcp://HOST:9100")
    p.add_argument("--preview", action="store_true", help="say what would print, print nothing")
    p.add_argument("--wait", type=float, default=CLI_WAIT_SECONDS, metavar="SECONDS",
                   help="how long to follow a CUPS job before cancelling it (default %(default).0f); labels count "
                        "as printed only when the job completed")
    p.add_argument("--no-wait", action="store_true",
                   help="send the CUPS job and leave: the labels are NOT marked printed")
    add("printers", cmd_printers, "list the CUPS printer queues and whether each is ready")
    p = add("replace-tag", cmd_replace_tag, "a lost or damaged tag: retire it, issue a new code, print its label")
    p.add_argument("pupil", help="admission number, or the old tag's code")
    p.add_argument("--reason", choices=["lost", "damaged"], default="lost")
    p.add_argument("--out", help="save the new label here instead of the configured printer")
    print_jobs.register(add, sub)


def _printer(env: Env, args: argparse.Namespace, layout: Layout) -> Printer:
    from kiosk.labels import make_printer
    from kiosk.labels.from_settings import default_folder

    s = env.settings
    if getattr(args, "out", None):
        return make_printer("file", args.out)
    if getattr(args, "printer", None):
        printer = make_printer("cups", args.printer, media=s.label_media or None)
        _bound(printer, args)
        return printer
    if getattr(args, "brother", None):
        return make_printer("brother", args.brother, brother_model=s.brother_model)
    target = s.label_printer or (str(default_folder()) if s.label_printer_kind == "file" else "")
    printer = make_printer(s.label_printer_kind, target, media=s.label_media or None,
                           brother_model=s.brother_model)
    _bound(printer, args)
    return printer


def _bound(printer: Printer, args: argparse.Namespace) -> None:
    """How long a CUPS job is followed: --wait SECONDS, or not at all with --no-wait."""
    from kiosk.labels import CupsPrinter

    if isinstance(printer, CupsPrinter):
        printer.wait_seconds = 0.0 if getattr(args, "no_wait", False) else getattr(args, "wait", CLI_WAIT_SECONDS)


def _layout(name: str) -> Layout:
    from kiosk.errors import DeskError
    from kiosk.labels import UnknownLayout, get_layout

    try:
        return get_layout(name)
    except UnknownLayout as exc:
        raise DeskError(str(exc)) from None


def _ctx(env: Env) -> DeskContext:
    from kiosk.cli import command_line_actor
    from kiosk.custody import DeskContext

    return DeskContext(env.keyring(), env.clock, env.settings, command_line_actor(env))


def cmd_labels(env: Env, args: argparse.Namespace) -> int:
    from kiosk.custody.lookup import find_by_admission_number
    from kiosk.errors import DeskError
    from kiosk.labels import LAYOUTS, LabelChoice, preview, print_labels

    if args.layouts:
        env.say_lines(text_table([(key, layout.title) for key, layout in LAYOUTS.items()]))
        return 0
    env.open()
    layout = _layout(args.layout or env.settings.label_layout)
    pupil_id = None
    if args.pupil:
        pupil = find_by_admission_number(args.pupil)
        if pupil is None:
            raise DeskError(f"No pupil has admission number {args.pupil}.")
        pupil_id = pupil.id
    choice = LabelChoice(pupil_id=pupil_id, form=args.form, year=args.year, never_printed=args.never_printed)
    printer = _printer(env, args, layout)
    if args.preview:
        for line in preview(choice, layout, printer.description).lines():
            env.say(line)
        return 0
    said: list[str] = []

    def waiting(line: str) -> None:
        # One visible line per change, so the office sees the kiosk is waiting on the printer, not hung.
        head = line.split(" (")[0]
        if head not in said:
            said.append(head)
            env.say(line)

    printed = print_labels(_ctx(env), choice=choice, layout=layout, printer=printer, progress=waiting)
    env.say(printed.message)
    return 0


def cmd_printers(env: Env, args: argparse.Namespace) -> int:
    from kiosk.labels import list_queues

    if sys.platform == "win32":  # pragma: no cover - Windows: the spooler's printers (kiosk/labels/windows_printer.py)
        from kiosk.labels.windows_printer import windows_printers

        env.say_lines(text_table([(info.name, info.state, "(default)" if info.is_default else "")
                                  for info in windows_printers()]) or ["No printers are set up in Windows."])
        return 0

    queues = list_queues()
    if not queues:
        env.say("No CUPS printer queues are set up on this PC. Add the label printer in the system's printer "
                "settings (or with lpadmin), then run this again.")
        return 1
    env.say_lines(text_table([(queue.name, queue.state, "(default)" if queue.is_default else "")
                              for queue in queues]))
    return 0


def cmd_replace_tag(env: Env, args: argparse.Namespace) -> int:
    from kiosk.custody.lookup import find_by_admission_number
    from kiosk.labels import replace_tag_and_print

    env.open()
    layout = _layout(env.settings.label_layout)
    printer = _printer(env, args, layout)
    pupil = find_by_admission_number(args.pupil) if args.pupil.isdigit() else None
    kwargs = {"pupil_id": pupil.id} if pupil else {"tag_code": args.pupil}
    result = replace_tag_and_print(_ctx(env), reason=args.reason, layout=layout, printer=printer, **kwargs)
    env.say(result.message)
    return 0


