"""`kiosk print-jobs`: the print history of labels (today's jobs, or those that did not print), and retry, reprint or
cancel one by its number."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from kiosk.reports.text_table import text_table

if TYPE_CHECKING:
    from kiosk.cli import AddCommand, Env, Subcommands
    from kiosk.custody import DeskContext
    from kiosk.labels.history import PrintJobLine


def register(add: AddCommand, sub: Subcommands) -> None:
    p = add("print-jobs", cmd_print_jobs,
            "the print history of labels: at the printer, not printed, printed today; retry, reprint or cancel one")
    p.add_argument("--failed", action="store_true", help="only the jobs that did not print and were not printed again")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--retry", type=int, metavar="ID", help="print a job that did not print again, as a new job")
    what.add_argument("--reprint", type=int, metavar="ID", help="print a job that printed again, as a new job")
    what.add_argument("--cancel", type=int, metavar="ID", help="cancel a job still at the printer")
    p.add_argument("--wait", type=float, default=300.0, metavar="SECONDS",
                   help="how long to follow a retried CUPS job before cancelling it (default %(default).0f)")


def job_rows(lines: tuple[PrintJobLine, ...]) -> list[tuple[object, ...]]:
    return [(line.id, line.when, line.labels, line.what, line.printer, line.staff, line.outcome) for line in lines]


def cmd_print_jobs(env: Env, args: argparse.Namespace) -> int:
    from kiosk.commands.labels import _ctx
    from kiosk.labels.again import cancel_print_job, follow_up_open_jobs
    from kiosk.labels.history import print_jobs

    env.open()
    ctx = _ctx(env)
    if args.retry is not None or args.reprint is not None:
        return _print_again(env, args, ctx)
    if args.cancel is not None:
        env.say(cancel_print_job(ctx, job_id=args.cancel).message)
        return 0
    follow_up_open_jobs(ctx)  # a job sent without waiting, or whose desk closed, may have ended since
    jobs = print_jobs(ctx, failed_only=args.failed)
    headings = ("Job", "Sent", "Labels", "What", "Printer", "By", "State")
    sections = [("Not printed", jobs.not_printed)] if args.failed else [
        ("At the printer", jobs.at_printer), ("Not printed", jobs.not_printed), ("Printed today", jobs.printed)]
    if not jobs.all:
        env.say("No print jobs that did not print." if args.failed else "No print jobs today.")
        return 0
    for title, lines in sections:
        if not lines:
            continue
        env.say(f"{title} ({len(lines)})")
        env.say_lines(text_table(job_rows(lines), headings=headings, right=(0, 2), indent="  "))
    if jobs.not_printed:
        env.say("Retry one: kiosk print-jobs --retry JOB")
    return 1 if args.failed and jobs.not_printed else 0


def _print_again(env: Env, args: argparse.Namespace, ctx: DeskContext) -> int:
    from kiosk.labels import CupsPrinter
    from kiosk.labels.again import print_again
    from kiosk.labels.from_settings import printer_for
    from kiosk.labels.history import print_job

    job_id = args.retry if args.retry is not None else args.reprint
    line = print_job(ctx, job_id)
    printer = None
    if line is not None and line.printer_kind:
        printer = printer_for(env.settings, line.printer_kind, line.printer_target)
        if isinstance(printer, CupsPrinter):
            printer.wait_seconds = args.wait
    if args.retry is not None and line is not None and line.printed:
        env.say(f"Print job {job_id} printed: to print it again, use --reprint {job_id}.")
        return 1
    if args.reprint is not None and line is not None and not line.printed:
        env.say(f"Print job {job_id} did not print: to print it, use --retry {job_id}.")
        return 1
    said: list[str] = []

    def waiting(text: str) -> None:
        head = text.split(" (")[0]
        if head not in said:
            said.append(head)
            env.say(text)

    printed = print_again(ctx, job_id=job_id, printer=printer, progress=waiting)
    env.say(printed.message)
    return 0
