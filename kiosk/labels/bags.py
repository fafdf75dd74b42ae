"""The confiscation flow's bag label: build it from the custody record, render it, print it."""

from __future__ import annotations

from kiosk.clock import local
from kiosk.config import Settings
from kiosk.custody.context import DeskContext
from kiosk.custody.states import on_safeguarding_hold
from kiosk.db.connection import write_transaction
from kiosk.db.models import Custody, Pupil, Tag, database_proxy
from kiosk.errors import DeskError
from kiosk.labels import history
from kiosk.labels.content import BagLabel
from kiosk.labels.from_settings import printer_settings
from kiosk.labels.layouts import Layout, get_layout
from kiosk.labels.printers import JobTracker, Printer, PrintReceipt, check_suitable
from kiosk.labels.render import bag_label


def bag_label_for(custody_id: int, *, settings: Settings) -> BagLabel:
    """What goes on the bag of a confiscated phone, from its custody record (date in the school's time)."""
    custody = (Custody.select(Custody, Pupil, Tag).join(Pupil).switch(Custody).join(Tag)
               .where(Custody.id == custody_id).first())
    if custody is None:
        raise DeskError("That phone's record is not on this kiosk. Search for the pupil again.")
    return BagLabel(code=custody.tag.code, name=custody.pupil.display_name, form=custody.pupil.form,
                    confiscated_on=local(custody.confiscated_at or custody.opened_at, settings.tz).date(),
                    # The reason's category, never the notes: free text about a pupil does not go on a bag.
                    reason=custody.reason_category or "",
                    seal_number=custody.seal_number or "", school=settings.school_name,
                    surname=custody.pupil.preferred_surname or custody.pupil.legal_surname,
                    # From the custody state, not the reason: a hold is a state the DSL sets and clears.
                    on_hold=on_safeguarding_hold(custody.state))


def print_bag_label(label: BagLabel, *, layout: Layout | str, printer: Printer,
                    tracker: JobTracker | None = None) -> PrintReceipt:
    """Print one bag label (blocking; run it in a worker). Raises PrintFailed: the confiscation itself is
    already saved, so a failed bag label is reprinted, never a reason to redo the confiscation."""
    layout = get_layout(layout)
    check_suitable(printer, layout)
    return printer.print_labels([bag_label(label, layout)], layout.sized_for_bag(),
                                title=f"Bag label - {label.name}", tracker=tracker)


def print_bag_label_job(ctx: DeskContext, custody_id: int, *, layout: Layout | str, printer: Printer) -> PrintReceipt:
    """The bag label of a confiscated phone as a job in the print history (kiosk/labels/history.py), followed to its
    end like the tag labels: "completed" only when the printer finished it; a failure is recorded with why and
    raised (PrintFailed, naming the job)."""
    label = bag_label_for(custody_id, settings=ctx.settings)
    tag_id = Custody.get_by_id(custody_id).tag_id
    printer_kind, printer_target = printer_settings(printer)
    job_id = history.open_job(ctx, kind="bag", what=f"bag label, seal {label.seal_number or 'not recorded'}",
                              tag_ids=[tag_id], layout=get_layout(layout).key, printer=printer.description,
                              printer_kind=printer_kind, printer_target=printer_target)
    with history.sending(ctx, job_id) as tracker:
        receipt = print_bag_label(label, layout=layout, printer=printer, tracker=tracker)
    if receipt.finished:
        with write_transaction(database_proxy.obj):
            history.complete_job(ctx, job_id)
    else:  # sent and not followed: "printed" would be a guess
        history.JobTracking(ctx, job_id).state("pending", "sent and not followed: check the label came out")
    return receipt
