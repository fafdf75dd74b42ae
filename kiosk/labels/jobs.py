"""Printing a run of tag labels, and recording it: only a print that worked marks the tags as printed.

Blocking and thread-safe: the Labels screen calls it from a worker thread (peewee keeps one connection per
thread), the command line calls it directly. Every run is a print job in the history (kiosk/labels/history.py),
followed to its end; a failed print raises PrintFailed, records why on the job and marks nothing, so the same
choice (or the job, by its number) can simply be printed again.
"""

from __future__ import annotations

from dataclasses import dataclass

from peewee import chunked

from kiosk.audit import append_event
from kiosk.auth.roles import Permission
from kiosk.clock import to_db
from kiosk.custody.context import DeskContext
from kiosk.db.connection import write_transaction
from kiosk.db.models import Tag, database_proxy
from kiosk.errors import DeskError
from kiosk.labels import history
from kiosk.labels.batch import RenderedLabels
from kiosk.labels.choose import LabelChoice, tag_label, tags_to_print
from kiosk.labels.from_settings import printer_settings
from kiosk.labels.layouts import Layout, get_layout
from kiosk.labels.printers import Printer, PrintReceipt, Progress, check_suitable

PRINT_LABELS = Permission.HAND_IN  # whoever works the desk may print tags


class NothingToPrint(DeskError):
    """The choice matched no active tags (e.g. everyone in the form already has a printed label)."""


@dataclass(frozen=True)
class LabelsPrinted:
    labels: int
    choice: str
    layout: str  # the layout's key
    receipt: PrintReceipt
    job_id: int = 0  # its row in the print history

    @property
    def marked(self) -> bool:
        """Whether the tags are now marked printed: only when the printer finished the job."""
        return self.receipt.finished

    @property
    def message(self) -> str:
        many = f"{self.labels} label{'s' if self.labels != 1 else ''}"
        job = f" (print job {self.job_id})" if self.job_id else ""
        if not self.marked:
            return (f"SENT {many} ({self.choice}) to {self.receipt.printer}: {self.receipt.detail}{job}. They are "
                    "NOT marked printed (nobody waited for the printer), so they stay under 'never printed': check "
                    "they came out, and print them again if not.")
        return f"PRINTED {many} ({self.choice}) on {self.receipt.printer}: {self.receipt.detail}{job}."


def print_labels(ctx: DeskContext, *, choice: LabelChoice, layout: Layout | str, printer: Printer,
                 progress: Progress | None = None, kind: str = "tags") -> LabelsPrinted:
    """Render the chosen tags' labels, print them as a new job in the print history, and once the printer finished
    the job mark them printed and audit LABELS_PRINTED. `progress` hears how the job is getting on while the printer
    works."""
    ctx.who.require(PRINT_LABELS)
    layout = get_layout(layout)
    check_suitable(printer, layout)
    tags = tags_to_print(choice)
    described = choice.describe()
    if not tags:
        raise NothingToPrint(f"No labels to print for {described}.")
    return print_tags(ctx, tags=tags, described=described, layout=layout, printer=printer, progress=progress,
                      kind=kind)


def print_tags(ctx: DeskContext, *, tags: list[Tag], described: str, layout: Layout, printer: Printer,
               progress: Progress | None = None, kind: str = "tags", again_of: int | None = None) -> LabelsPrinted:
    """Print these tags' labels as one job (a new print, or job `again_of` printed again) and follow it to its end."""
    printer_kind, printer_target = printer_settings(printer)
    job_id = history.open_job(ctx, kind=kind, what=described, tag_ids=[tag.id for tag in tags], layout=layout.key,
                              printer=printer.description, printer_kind=printer_kind,
                              printer_target=printer_target, again_of=again_of)
    school = ctx.settings.school_name
    # Drawn label by label as the printer's document is written (memory flat in a run of 2,000), at one name
    # size for the run, so a form's labels look alike.
    images = RenderedLabels([tag_label(tag, school) for tag in tags], layout)
    with history.sending(ctx, job_id) as tracker:
        receipt = printer.print_labels(images, layout, title=f"Phone tags - {described}", progress=progress,
                                       tracker=tracker)
    if not receipt.finished:  # sent and not followed: "printed" would be a guess
        history.JobTracking(ctx, job_id).state("pending", "sent and not followed: check the labels came out")
        return LabelsPrinted(labels=len(tags), choice=described, layout=layout.key, receipt=receipt, job_id=job_id)
    mark_printed(ctx, [tag.id for tag in tags], layout=layout, printer=printer.description, choice=described,
                 detail=receipt.detail, pupil_id=tags[0].pupil_id if len({t.pupil_id for t in tags}) == 1 else None,
                 job_id=job_id)
    return LabelsPrinted(labels=len(tags), choice=described, layout=layout.key, receipt=receipt, job_id=job_id)


def mark_printed(ctx: DeskContext, tag_ids: list[int], *, layout: Layout, printer: str, choice: str,
                 detail: str = "", pupil_id: int | None = None, job_id: int | None = None) -> bool:
    """Set label_printed_at on the tags and write one LABELS_PRINTED event, in one transaction; with `job_id`, take
    that print job to "completed" in it too. False (nothing marked) when the job was already completed: another
    desk following it up got there first, and one job marks its labels once."""
    now = ctx.clock.now()
    with write_transaction(database_proxy.obj):
        if job_id is not None and not history.complete_job(ctx, job_id):
            return False
        for batch in chunked(tag_ids, 500):
            Tag.update(label_printed_at=to_db(now)).where(Tag.id.in_(batch)).execute()
        append_event(key=ctx.keyring.audit_key, at=now, desk=ctx.desk, staff=ctx.who.staff_id,
                     action="LABELS_PRINTED", pupil=pupil_id, tag=tag_ids[0] if len(tag_ids) == 1 else None,
                     payload={"count": len(tag_ids), "layout": layout.key, "printer": printer, "choice": choice,
                              "detail": detail, **({"print_job": job_id} if job_id is not None else {})})
    return True
