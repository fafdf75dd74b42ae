"""`kiosk report …` and `kiosk stocktake`: the figures the office, heads of year and the head need."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from kiosk.auth.roles import Permission


def register(add, sub) -> None:
    from kiosk.cli import _show_help

    report = add("report", _show_help("report"), "reports: day, week, term, year or any range")
    group = report.add_subparsers(metavar="REPORT")
    p = add("today", cmd_today, "handed in, handed back, in the office, uncollected — by form", group)
    p.add_argument("--csv", action="store_true")
    p.add_argument("--day", help="another day, YYYY-MM-DD")
    for name, handler, help_ in (
        ("daily", cmd_daily, "hand-ins, hand-backs and phones left overnight, day by day"),
        ("confiscations", cmd_confiscations, "confiscations by reason, year group and form; repeat confiscations"),
        ("exams", cmd_exams, "phones found in exams, for reporting to the examining bodies"),
        ("searches", cmd_searches, "searches recorded (DfE searching, screening and confiscation)"),
        ("desk-time", cmd_desk_time, "office time at the desk, measured from the records"),
        ("safeguarding", cmd_safeguarding, "safeguarding holds and police handovers: counts (DSL and head only)"),
    ):
        p = add(name, handler, help_, group)
        _period_args(p)
        p.add_argument("--csv", action="store_true", help="CSV for a spreadsheet")
        p.add_argument("--as", dest="as_staff", help="act as this member of staff (asks for their PIN)")
    p = add("review-pack", cmd_review_pack, "the annual policy review pack (PDF, tables and charts)", group)
    _period_args(p, default="year")
    p.add_argument("--out", required=True, help="PDF file to write")
    p.add_argument("--as", dest="as_staff", help="a DSL or head includes safeguarding counts (asks for the PIN)")
    p = add("reconcile", cmd_reconcile, "end of day by form: expected back, handed back, still in", group)
    p.add_argument("--day", help="another day, YYYY-MM-DD")
    p.add_argument("--pdf", help="also write a printable PDF here")
    p = add("stocktake", cmd_stocktake, "check the phones in the office against a list of scanned codes")
    p.add_argument("scans", help="file of scanned codes, one per line ('-' for standard input)")


def _period_args(p: argparse.ArgumentParser, default: str = "term") -> None:
    p.add_argument("--period", choices=["day", "week", "term", "year", "custom"], default=default)
    p.add_argument("--from", dest="start", help="YYYY-MM-DD (custom period, or the day the period contains)")
    p.add_argument("--to", dest="end", help="YYYY-MM-DD (custom period)")


def _period(env, args):
    from kiosk.reports.periods import period

    today = env.clock.now().astimezone(env.settings.tz).date()
    start = date.fromisoformat(args.start) if args.start else None
    end = date.fromisoformat(args.end) if args.end else None
    if args.period == "custom":
        return period("custom", today, env.settings, start=start, end=end)
    return period(args.period, start or today, env.settings)


def _actor(env, args):
    """The command line acts as admin unless a member of staff signs for it with their PIN."""
    from kiosk.auth.staff import confirm_pin
    from kiosk.cli import command_line_actor, read_pin

    if not getattr(args, "as_staff", None):
        return command_line_actor(env)
    pin = read_pin(f"PIN for {args.as_staff.upper()}: ", from_stdin=not sys.stdin.isatty())
    return confirm_pin(keyring=env.keyring(), clock=env.clock, desk=env.settings.desk, who=args.as_staff, pin=pin,
                       purpose="command-line report")


def _emit(env, args, header, rows, title: str) -> int:
    from kiosk.reports.export import to_csv

    if getattr(args, "csv", False):
        env.out.write(to_csv(header, rows))
        return 0
    env.say(title)
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(str(h))
              for i, h in enumerate(header)]
    env.say("  ".join(str(h).ljust(w) for h, w in zip(header, widths, strict=True)))
    for row in rows:
        env.say("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
    if not rows:
        env.say("(none)")
    return 0


def cmd_today(env, args) -> int:
    from kiosk.custody import day_report
    from kiosk.reports.export import to_csv

    env.open()
    day = date.fromisoformat(args.day) if args.day else env.clock.now().astimezone(env.settings.tz).date()
    report = day_report(day, env.settings)
    lines = [*report.forms, report.total]
    header = ["form", "handed_in", "handed_back", "in_office", "uncollected"]
    rows = [[line.form, line.handed_in, line.handed_back, line.in_office, line.uncollected] for line in lines]
    if args.csv:
        env.out.write(to_csv(header, rows))
        return 0
    env.say(f"{env.settings.school_name} — phones on {day:%A %-d %B %Y}")
    env.say(f"{'Form':<8}{'Handed in':>10}{'Handed back':>13}{'In office':>11}{'Uncollected':>13}")
    for line in lines:
        if line is lines[-1]:
            env.say("-" * 55)
        env.say(f"{line.form:<8}{line.handed_in:>10}{line.handed_back:>13}{line.in_office:>11}{line.uncollected:>13}")
    return 0


def cmd_daily(env, args) -> int:
    from kiosk.reports.figures import daily_lines

    env.open()
    p = _period(env, args)
    rows = [[f"{d.day:%Y-%m-%d}", f"{d.day:%a}", d.handed_in, d.handed_back, d.left_uncollected]
            for d in daily_lines(p, env.settings) if d.day.weekday() < 5 or d.handed_in]
    return _emit(env, args, ["date", "day", "handed_in", "handed_back", "left_uncollected"], rows,
                 f"Phones day by day, {p.label}")


def cmd_confiscations(env, args) -> int:
    from kiosk.reports.figures import confiscation_figures

    env.open()
    p = _period(env, args)
    f = confiscation_figures(p, env.settings)
    rows = ([["reason", k, v] for k, v in f.by_reason.items()] + [["year group", k, v] for k, v in f.by_year.items()]
            + [["form", k, v] for k, v in f.by_form.items()]
            + [["repeat", f"{name} ({form})", n] for name, form, n in f.repeat_pupils]
            + [["total", "confiscations", f.total], ["total", "released", f.released],
               ["total", "still held", f.still_held]])
    return _emit(env, args, ["by", "what", "count"], rows, f"Confiscations, {p.label}")


def cmd_exams(env, args) -> int:
    from kiosk.clock import local
    from kiosk.reports.figures import exam_incidents

    env.open()
    p = _period(env, args)
    rows = [[f"{local(e.at, env.settings.tz):%Y-%m-%d %H:%M}", e.pupil, e.form, e.board, e.paper, e.room]
            for e in exam_incidents(p, env.settings)]
    return _emit(env, args, ["when", "pupil", "form", "exam board", "paper", "room"], rows,
                 f"Phones found in exams, {p.label}")


def cmd_searches(env, args) -> int:
    from kiosk.reports.figures import search_figures

    env.open()
    p = _period(env, args)
    s = search_figures(p, env.settings)
    rows = [["searches", s.total], ["nothing found", s.nothing_found], ["DSL informed", s.dsl_informed],
            ["parent informed", s.parent_informed]]
    return _emit(env, args, ["what", "count"], rows, f"Searches, {p.label}")


def cmd_desk_time(env, args) -> int:
    from kiosk.reports.figures import desk_time

    env.open()
    p = _period(env, args)
    t = desk_time(p, env.settings, today=env.clock.now().astimezone(env.settings.tz).date())
    rows = [["hand-ins", t.hand_ins], ["hand-backs", t.hand_backs],
            ["seconds per hand-in (average)", t.seconds_per_hand_in or ""],
            ["seconds per hand-back (average)", t.seconds_per_hand_back or ""]]
    rows += [[f"minutes at the desk {d:%a %-d %b}", m] for d, m in t.minutes_per_day.items()]
    return _emit(env, args, ["what", "figure"], rows, f"Time at the desk, {p.label}")


def cmd_safeguarding(env, args) -> int:
    from kiosk.errors import NotPermitted
    from kiosk.reports.figures import safeguarding_figures

    env.open()
    who = _actor(env, args)
    if not who.can(Permission.SAFEGUARDING):
        raise NotPermitted("Safeguarding figures are for the DSL and the head: add --as with their initials.")
    p = _period(env, args)
    rows = [[k, v] for k, v in safeguarding_figures(p, env.settings).items()]
    return _emit(env, args, ["what", "count"], rows, f"Safeguarding, {p.label}")


def cmd_review_pack(env, args) -> int:
    from kiosk.reports.review_pack import review_pack

    env.open()
    who = _actor(env, args)
    p = _period(env, args)
    today = env.clock.now().astimezone(env.settings.tz).date()
    pdf = review_pack(p, env.settings, include_safeguarding=who.can(Permission.SAFEGUARDING), today=today)
    Path(args.out).write_bytes(pdf)
    env.say(f"Review pack for {p.label} written to {args.out} ({len(pdf) // 1024} KiB).")
    return 0


def cmd_reconcile(env, args) -> int:
    from kiosk.clock import local
    from kiosk.reports.reconciliation import reconcile, reconciliation_pdf

    env.open()
    day = date.fromisoformat(args.day) if args.day else env.clock.now().astimezone(env.settings.tz).date()
    rec = reconcile(day, env.settings)
    env.say(f"End of day {day:%A %-d %B %Y}")
    env.say(f"{'Form':<8}{'Handed in':>10}{'Handed back':>13}{'Still in':>10}")
    for form, handed_in, back, still in rec.lines:
        env.say(f"{form:<8}{handed_in:>10}{back:>13}{still:>10}")
    env.say(f"Still in the office: {len(rec.still_in)}")
    for s in rec.still_in:
        since = local(s.since, env.settings.tz)
        env.say(f"  {s.form:<6}{s.pupil[:30]:<31}slot {s.slot or '-':<8}since {since:%a %H:%M}")
    if args.pdf:
        Path(args.pdf).write_bytes(reconciliation_pdf(rec, env.settings))
        env.say(f"Printable copy: {args.pdf}")
    return 0


def cmd_stocktake(env, args) -> int:
    from kiosk.cli import command_line_actor
    from kiosk.custody import DeskContext
    from kiosk.custody.stocktake import stocktake

    env.open()
    text = sys.stdin.read() if args.scans == "-" else Path(args.scans).read_text(encoding="utf-8-sig")
    result = stocktake(DeskContext(env.keyring(), env.clock, env.settings, command_line_actor(env)),
                       [line for line in text.splitlines() if line.strip()])
    env.say(f"Stock-take: {len(result.present)} of {result.expected} expected phones found.")
    for title, items in (("MISSING (the kiosk says it is in the office)", result.missing),
                         ("UNEXPECTED (scanned, but not recorded as in the office)", result.unexpected)):
        env.say(f"{title}: {len(items)}")
        for item in items:
            who = f"{item.pupil.name} ({item.pupil.form})" if item.pupil else "unknown tag"
            env.say(f"  {item.code}  {who}  {item.slot or ''} {item.state or ''}".rstrip())
    if result.unreadable:
        env.say(f"Unreadable lines: {len(result.unreadable)}")
    return 1 if result.missing or result.unexpected else 0
