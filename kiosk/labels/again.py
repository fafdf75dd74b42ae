"""What the office does with a print job from the history: retry one that did not print, reprint one that did,
cancel one still at the printer, or ask the print service again how an open one ended.

Retry and reprint print the job's own tags (those still in use: a tag replaced since is left out, as its label
would carry a code the desk now refuses) as a new job that names the old one, on the same printer unless another
is given. A job still at the printer is never printed again: it might yet come out, and then there would be two.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.custody.context import DeskContext
from kiosk.db.models import PrintJob, Pupil, Tag
from kiosk.errors import DeskError
from kiosk.labels import history
from kiosk.labels.choose import sort_for_printing
from kiosk.labels.cups import trouble_words
from kiosk.labels.from_settings import printer_for
from kiosk.labels.ipp import IppUnavailable, JobForgotten, cancel_job, job_status
from kiosk.labels.jobs import PRINT_LABELS, LabelsPrinted, NothingToPrint, mark_printed, print_tags
from kiosk.labels.layouts import get_layout
from kiosk.labels.printers import Printer, Progress


class NoSuchPrintJob(DeskError):
    """No print job has that number."""


class NotNow(DeskError):
    """The job cannot be retried, reprinted or cancelled in the state it is in; the message says why."""


def _job(job_id: int) -> PrintJob:
    row = PrintJob.get_or_none(PrintJob.id == job_id)
    if row is None:
        raise NoSuchPrintJob(f"There is no print job {job_id}.")
    return row


def print_again(ctx: DeskContext, *, job_id: int, printer: Printer | None = None,
                progress: Progress | None = None) -> LabelsPrinted:
    """Retry a job that did not print, or reprint one that did, as a new job; returns how the new job went (or
    raises PrintFailed, recorded on the new job)."""
    ctx.who.require(PRINT_LABELS)
    row = _job(job_id)
    if row.kind == "bag":
        raise NotNow(f"Print job {job_id} is a bag label: print it again from the confiscation's record.")
    if row.state in history.OPEN_STATES:
        raise NotNow(f"Print job {job_id} is still at the printer ({history.STATE_WORDS[row.state]}): it may yet "
                     "print. Cancel it first, then retry.")
    wanted = history.tag_ids_of(job_id)
    tags = sort_for_printing(list(Tag.select(Tag, Pupil).join(Pupil).where(Tag.id.in_(wanted),
                                                                          Tag.status == "active")))
    if not tags:
        raise NothingToPrint(f"None of the tags on print job {job_id} is still in use: print the pupils' current "
                             "tags from the Labels screen.")
    if printer is None:
        printer = printer_for(ctx.settings, row.printer_kind, row.printer_target)
    dropped = len(wanted) - len(tags)
    described = str(row.what)  # the same words as the first time
    if dropped:
        described += f" ({dropped} replaced tag{'s' * (dropped != 1)} left out)"
    return print_tags(ctx, tags=tags, described=described, layout=get_layout(row.layout), printer=printer,
                      progress=progress, kind=row.kind, again_of=job_id)


@dataclass(frozen=True)
class JobCancelled:
    job_id: int
    message: str


def cancel_print_job(ctx: DeskContext, *, job_id: int) -> JobCancelled:
    """Cancel a job still at the printer: at the print service (so it cannot print by surprise later) and in the
    history. Refused when it has ended; a CUPS job that completed meanwhile is recorded printed instead."""
    ctx.who.require(PRINT_LABELS)
    row = _job(job_id)
    if row.state not in history.OPEN_STATES:
        raise NotNow(f"Print job {job_id} has already ended ({history.STATE_WORDS.get(row.state, row.state)}).")
    number = _cups_number(row)
    if number is not None:
        queue = row.printer_target
        try:
            if job_status(queue, number).state == "completed":
                follow_up(ctx, job_id=job_id)
                raise NotNow(f"Print job {job_id} has just printed: nothing was cancelled.")
            cancel_job(queue, number)
        except IppUnavailable:
            pass  # CUPS forgot it or is down: it cannot print from there; the history says cancelled
    why = f"cancelled by {ctx.who.name}"
    if not history.end_job(ctx, job_id, state="cancelled", why=why):
        raise NotNow(f"Print job {job_id} ended just now: see how in the list.")
    return JobCancelled(job_id, f"Print job {job_id} cancelled; its labels are still listed as never printed.")


def _cups_number(row: PrintJob) -> int | None:
    reference = row.reference or ""
    if row.printer_kind != "cups" or not reference.startswith(f"{row.printer_target}-"):
        return None
    tail = reference.rsplit("-", 1)[1]
    return int(tail) if tail.isdigit() else None


def follow_up(ctx: DeskContext, *, job_id: int) -> str:
    """Ask the print service once more how an open CUPS job is getting on (one sent without waiting, or followed
    by a desk that closed): record its end, and mark its labels printed if it completed. Returns its state."""
    row = _job(job_id)
    number = _cups_number(row)
    if row.state not in history.OPEN_STATES or number is None:
        return str(row.state)
    try:
        status = job_status(row.printer_target, number)
    except JobForgotten:
        history.end_job(ctx, job_id, state="failed",
                        why="the print service no longer knows the job, so whether it printed cannot be told")
        return "failed"
    except IppUnavailable:
        return str(row.state)  # not answering now: asked again next time
    if status.state == "completed":
        tag_ids = history.tag_ids_of(job_id)
        mark_printed(ctx, tag_ids, layout=get_layout(row.layout), printer=row.printer, choice=row.what,
                     detail=f"job {row.reference} printed (CUPS: completed)", job_id=job_id)
        return "completed"
    trouble = trouble_words(status)
    if status.finished:
        history.end_job(ctx, job_id, state=status.state, why=trouble or f"job {row.reference} was {status.state}")
    elif trouble:
        history.JobTracking(ctx, job_id).state(status.state, trouble)
    else:  # nothing wrong said now: what was said before ("sent and not followed") stays
        history.set_state(ctx, job_id, state=status.state)
    return status.state


def follow_up_open_jobs(ctx: DeskContext) -> int:
    """follow_up every open CUPS job (sent without waiting, or followed by a desk that closed mid-job): the Print
    jobs view and `kiosk print-jobs` call it as they open. Safe beside a desk still following one: a job ends once
    and marks its labels once (kiosk/labels/history.py). Returns how many ended."""
    ended = 0
    for row in PrintJob.select(PrintJob.id).where(PrintJob.state.in_(history.OPEN_STATES),
                                                  PrintJob.printer_kind == "cups"):
        if follow_up(ctx, job_id=int(row.id)) not in history.OPEN_STATES:
            ended += 1
    return ended
