"""The print history: every print job of labels is a row, opened as it is sent and updated as it is followed, so the
office can see what is at the printer, what did not print and why, and what printed today.

A job ends once: its last update is a conditional UPDATE (`WHERE state IN` the open states, row count checked),
so a job cancelled at the desk while its follower waits, or followed up by two desks, is recorded one way only.
Its labels count as printed only through the update that takes it to "completed" (kiosk/labels/jobs.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime

from kiosk.clock import as_utc, local, local_day_bounds, to_db
from kiosk.custody.context import DeskContext
from kiosk.db.connection import storage_guard, write_transaction
from kiosk.db.models import PrintJob, database_proxy
from kiosk.formatting import clock_time, moment
from kiosk.labels.printers import PrintFailed

OPEN_STATES = ("pending", "processing", "held", "stopped")  # still at (or on its way to) the printer
NOT_PRINTED = ("failed", "cancelled", "aborted")  # ended without coming out: Retry
STATE_WORDS = {"pending": "queued", "processing": "printing", "held": "held in the queue",
               "stopped": "queue stopped", "completed": "printed", "aborted": "NOT PRINTED (aborted)",
               "cancelled": "NOT PRINTED (cancelled)", "failed": "NOT PRINTED"}


class JobTracking:
    """A JobTracker (kiosk/labels/printers.py) that writes what it hears to one print job's row."""

    def __init__(self, ctx: DeskContext, job_id: int) -> None:
        self.ctx = ctx
        self.job_id = job_id

    def sent(self, reference: str) -> None:
        _update_open(self.job_id, self.ctx, reference=reference[:500])

    def state(self, state: str, why: str = "") -> None:
        _update_open(self.job_id, self.ctx, state=state, why=why or None)


def open_job(ctx: DeskContext, *, kind: str, what: str, tag_ids: list[int], layout: str, printer: str,
             printer_kind: str, printer_target: str, again_of: int | None = None) -> int:
    """A new row in the print history, "pending", before anything is sent; returns its number."""
    now = to_db(ctx.clock.now())
    with write_transaction(database_proxy.obj):
        job = PrintJob.create(at=now, updated_at=now, desk=ctx.desk, staff=ctx.who.staff_id,
                              staff_name=ctx.who.name[:200], kind=kind, what=what, tag_ids=json.dumps(tag_ids),
                              layout=layout, labels=len(tag_ids), printer=printer[:300], printer_kind=printer_kind,
                              printer_target=printer_target[:500], state="pending", again_of=again_of)
    return int(job.id)


def _update_open(job_id: int, ctx: DeskContext, **values: object) -> int:
    """Change a job still open; returns 1, or 0 when it has ended meanwhile (nothing is changed then)."""
    with write_transaction(database_proxy.obj):
        return int(PrintJob.update(updated_at=to_db(ctx.clock.now()), **values)
                   .where(PrintJob.id == job_id, PrintJob.state.in_(OPEN_STATES)).execute())


def set_state(ctx: DeskContext, job_id: int, *, state: str) -> None:
    """An open job's new state, keeping what was said of it."""
    _update_open(job_id, ctx, state=state)


def end_job(ctx: DeskContext, job_id: int, *, state: str, why: str = "") -> bool:
    """Record how an open job ended (not "completed": that is kiosk/labels/jobs.py's, with the labels it marks).
    False when it had already ended (cancelled at the desk, say): the first word stands."""
    now = to_db(ctx.clock.now())
    return _update_open(job_id, ctx, state=state, why=why or None, finished_at=now) == 1


def complete_job(ctx: DeskContext, job_id: int) -> bool:
    """Inside the caller's write transaction: the print service says the job completed, which stands whatever was
    recorded before (a Cancel pressed as the last label came out). False when it was already recorded completed."""
    now = to_db(ctx.clock.now())
    changed: int = PrintJob.update(state="completed", why=None, updated_at=now, finished_at=now).where(
        PrintJob.id == job_id, PrintJob.state != "completed").execute()
    return changed == 1


def failed_state(error: PrintFailed) -> str:
    return error.state if error.state in NOT_PRINTED + ("stopped",) else "failed"


# ── what the Print jobs view and `kiosk print-jobs` read ──────────────────────────────────────────────────────────
@contextmanager
def sending(ctx: DeskContext, job_id: int) -> Iterator[JobTracking]:
    """Around a job's sending: a refusal ends the job failed (or stopped) with the printer's words and the job's
    number on the error; the kiosk itself failing (or closing) ends it failed: no job stays "pending" for ever."""
    try:
        yield JobTracking(ctx, job_id)
    except PrintFailed as error:
        end_job(ctx, job_id, state=failed_state(error), why=error.problem)
        error.in_history(job_id)
        raise
    except BaseException:
        end_job(ctx, job_id, state="failed", why="the kiosk stopped before the job was sent")
        raise


@dataclass(frozen=True)
class PrintJobLine:
    """One print job as the office reads it."""

    id: int
    at: datetime  # local time
    when: str  # "09:31", or "Mon 30 Nov 09:31" on another day
    staff: str
    kind: str
    what: str
    layout: str
    labels: int
    printer: str
    printer_kind: str
    printer_target: str
    reference: str  # the CUPS job id or the file; "" before it was sent
    state: str
    why: str
    again_of: int | None
    printed_again_by: int | None  # a later job that retried or reprinted this one

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def printed(self) -> bool:
        return self.state == "completed"

    @property
    def state_words(self) -> str:
        return STATE_WORDS.get(self.state, self.state)

    @property
    def can_cancel(self) -> bool:
        return self.is_open

    @property
    def can_retry(self) -> bool:
        """Not printed, and not already printed again by a later job."""
        return self.state in NOT_PRINTED + ("stopped",) and self.printed_again_by is None and self.kind != "bag"

    @property
    def can_reprint(self) -> bool:
        return self.printed and self.kind != "bag"

    @property
    def outcome(self) -> str:
        """The state, with why it did not print or where it went: one line."""
        if self.state == "completed":
            return f"printed · {self.reference}" if self.reference else "printed"
        words = self.state_words
        if self.why:
            words += f": {self.why}"
        if self.printed_again_by is not None:
            words += f" (printed again as job {self.printed_again_by})"
        elif self.reference and self.is_open:
            words += f" · {self.reference}"
        return words


@dataclass(frozen=True)
class PrintJobs:
    """Today's print jobs (or one day's), in three lists: at the printer, not printed, printed; newest first."""

    day: date
    at_printer: tuple[PrintJobLine, ...]
    not_printed: tuple[PrintJobLine, ...]
    printed: tuple[PrintJobLine, ...]

    @property
    def all(self) -> tuple[PrintJobLine, ...]:
        return self.at_printer + self.not_printed + self.printed


def _line(row: PrintJob, again: dict[int, int], ctx: DeskContext, today: date) -> PrintJobLine:
    at = local(as_utc(row.at), ctx.settings.tz)
    return PrintJobLine(id=row.id, at=at, when=clock_time(at) if at.date() == today else moment(at, today),
                        staff=row.staff_name, kind=row.kind, what=row.what, layout=row.layout, labels=row.labels,
                        printer=row.printer, printer_kind=row.printer_kind, printer_target=row.printer_target,
                        reference=row.reference or "", state=row.state, why=row.why or "", again_of=row.again_of,
                        printed_again_by=again.get(row.id))


@storage_guard
def print_jobs(ctx: DeskContext, *, day: date | None = None, failed_only: bool = False) -> PrintJobs:
    """One day's jobs (today by default) and any job still open or not printed from an earlier day that nobody
    printed again: a job that failed last night is still to be dealt with this morning."""
    today = ctx.clock.now().astimezone(ctx.settings.tz).date()
    day = day or today
    start, end = local_day_bounds(day, ctx.settings.tz)
    rows = list(PrintJob.select().where(
        ((PrintJob.at >= to_db(start)) & (PrintJob.at < to_db(end)))
        | PrintJob.state.in_(OPEN_STATES + NOT_PRINTED)).order_by(PrintJob.at.desc(), PrintJob.id.desc()).limit(500))
    again = _printed_again([row.id for row in rows])
    lines = [_line(row, again, ctx, today) for row in rows]
    in_day = [line for line in lines if start <= as_utc(line.at) < end]
    at_printer = tuple(line for line in lines if line.is_open)
    not_printed = tuple(line for line in lines if line.state in NOT_PRINTED
                        and (line in in_day or line.printed_again_by is None))
    printed = tuple(line for line in in_day if line.printed)
    if failed_only:
        return PrintJobs(day, (), tuple(line for line in not_printed if line.printed_again_by is None), ())
    return PrintJobs(day, at_printer, not_printed, printed)


def _printed_again(ids: list[int]) -> dict[int, int]:
    """For each job, the newest later job that printed it again and completed."""
    if not ids:
        return {}
    found: dict[int, int] = {}
    for row in (PrintJob.select(PrintJob.id, PrintJob.again_of)
                .where(PrintJob.again_of.in_(ids), PrintJob.state == "completed").order_by(PrintJob.id)):
        if row.again_of is not None:
            found[row.again_of] = int(row.id)
    return found


@storage_guard
def print_job(ctx: DeskContext, job_id: int) -> PrintJobLine | None:
    row = PrintJob.get_or_none(PrintJob.id == job_id)
    if row is None:
        return None
    today = ctx.clock.now().astimezone(ctx.settings.tz).date()
    return _line(row, _printed_again([row.id]), ctx, today)


def tag_ids_of(job_id: int) -> list[int]:
    row = PrintJob.get_or_none(PrintJob.id == job_id)
    return [int(n) for n in json.loads(row.tag_ids)] if row is not None else []
