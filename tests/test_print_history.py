"""The print history on the real print service: every job is a row followed to its end. A job on a printer that is
off ends "failed" with why and marks nothing; Retry by its number prints once and completes; a job still at the
printer can be cancelled; one sent without waiting is found completed later; `kiosk print-jobs` shows and acts on
them.
"""

from __future__ import annotations

import threading
import time

import pytest

from kiosk.db import Event, Tag
from kiosk.db.models import PrintJob
from kiosk.labels import CupsPrinter, FilePrinter, LabelChoice, PrintFailed, print_labels
from kiosk.labels.again import NotNow, cancel_print_job, follow_up_open_jobs, print_again
from kiosk.labels.history import print_jobs


@pytest.fixture
def offline(cups):  # cups: the conftest's real CUPS service
    name = cups.add_offline_queue()
    yield name
    cups.remove_queue(name)


def printed_tags() -> list[str]:
    return sorted(t.pupil.display_name for t in Tag.select().where(Tag.label_printed_at.is_null(False)))


def labels_events() -> list[Event]:
    return list(Event.select().where(Event.action == "LABELS_PRINTED"))


def test_an_offline_printer_leaves_a_failed_job_saying_why_and_retry_by_number_prints_once(cups, offline, school):
    with pytest.raises(PrintFailed) as failure:
        print_labels(school.ctx(), choice=LabelChoice(form="9c"), layout="brother-62x29",
                     printer=CupsPrinter(offline, wait_seconds=5))
    [job] = PrintJob.select()
    assert failure.value.job_id == job.id
    assert job.state == "failed" and "the printer is off or unreachable" in job.why
    assert job.reference.startswith(f"{offline}-") and job.staff_name == "Ann Adams" and job.labels == 2
    assert job.what == "form 9C" and job.printer == f"CUPS queue {offline}" and job.finished_at is not None
    assert printed_tags() == [] and labels_events() == []
    today = print_jobs(school.ctx())
    assert [line.id for line in today.not_printed] == [job.id] and today.printed == ()
    assert today.not_printed[0].can_retry and not today.not_printed[0].can_cancel

    cups.fix_queue(offline)
    again = print_again(school.ctx(), job_id=job.id, printer=CupsPrinter(offline, wait_seconds=60))
    assert again.marked and again.job_id != job.id
    retried = PrintJob.get_by_id(again.job_id)
    assert retried.state == "completed" and retried.again_of == job.id and retried.why is None
    assert printed_tags() == ["Zoë Hall", "Łukasz Nowakowski"]
    [event] = labels_events()  # printed once: one event, naming the job that printed them
    assert f'"print_job":{again.job_id}' in event.payload_json
    assert cups.jobs(offline) == []
    after = print_jobs(school.ctx())
    assert [line.id for line in after.printed] == [again.job_id]
    [old] = after.not_printed
    assert old.printed_again_by == again.job_id and not old.can_retry and "printed again as job" in old.outcome
    assert print_jobs(school.ctx(), failed_only=True).not_printed == ()
    with pytest.raises(NotNow):  # a job already printed again is not retried; a reprint is asked for by name
        cancel_print_job(school.ctx(), job_id=again.job_id)


def test_a_job_at_the_printer_can_be_cancelled_from_the_history_and_its_follower_records_nothing_else(
        cups, offline, school):
    outcome: list[BaseException] = []

    def follow() -> None:
        try:
            print_labels(school.ctx(), choice=LabelChoice(form="9c"), layout="brother-62x29",
                         printer=CupsPrinter(offline, wait_seconds=30))
        except BaseException as error:  # noqa: BLE001 - the thread reports what ended it
            outcome.append(error)

    desk = threading.Thread(target=follow)
    desk.start()
    deadline = time.monotonic() + 20
    while not PrintJob.select().where(PrintJob.reference.is_null(False)).exists():
        assert time.monotonic() < deadline, "the job was never sent"
        time.sleep(0.05)
    [line] = print_jobs(school.ctx()).at_printer
    assert line.can_cancel and not line.can_retry
    with pytest.raises(NotNow):  # still at the printer: it might yet print, so it is never printed twice
        print_again(school.ctx(), job_id=line.id)
    cancelled = cancel_print_job(school.ctx(), job_id=line.id)
    desk.join(timeout=30)
    assert "cancelled" in cancelled.message
    [error] = outcome
    assert isinstance(error, PrintFailed) and "cancelled" in error.problem
    job = PrintJob.get_by_id(line.id)
    assert job.state == "cancelled" and job.why == "cancelled by Ann Adams"  # the desk's word stands
    assert cups.jobs(offline) == [] and printed_tags() == [] and labels_events() == []
    with pytest.raises(NotNow):
        cancel_print_job(school.ctx(), job_id=line.id)


def test_a_job_sent_without_waiting_is_found_completed_later_and_marks_its_labels_once(cups, school):
    queue = cups.add_pdf_queue()
    sent = print_labels(school.ctx(), choice=LabelChoice(form="9c"), layout="brother-62x29",
                        printer=CupsPrinter(queue, wait_seconds=0))
    assert not sent.marked and PrintJob.get_by_id(sent.job_id).state == "pending" and printed_tags() == []
    deadline = time.monotonic() + 60
    while follow_up_open_jobs(school.ctx()) == 0:
        assert time.monotonic() < deadline
        time.sleep(0.3)
    assert PrintJob.get_by_id(sent.job_id).state == "completed"
    assert printed_tags() == ["Zoë Hall", "Łukasz Nowakowski"] and len(labels_events()) == 1
    assert follow_up_open_jobs(school.ctx()) == 0 and len(labels_events()) == 1


def test_a_file_job_records_the_file_it_went_to(school, tmp_path):
    printed = print_labels(school.ctx(), choice=LabelChoice(form="9c"), layout="brother-62x29",
                           printer=FilePrinter(tmp_path / "labels"))
    [line] = print_jobs(school.ctx()).printed
    assert line.id == printed.job_id and line.printer_kind == "file"
    assert line.reference == str(printed.receipt.files[0]) and line.reference in line.outcome
    reprint = print_again(school.ctx(), job_id=line.id)
    assert reprint.receipt.files[0] != printed.receipt.files[0]  # a second file: never over the first
    assert PrintJob.get_by_id(reprint.job_id).again_of == line.id


def test_kiosk_print_jobs_lists_retries_and_cancels(cups, offline, school):
    code, out, err = school.cli("labels", "--form", "9C", "--printer", offline, "--wait", "5")
    assert code != 0 and "Print job 1 in the print history" in out + err
    code, out, _ = school.cli("print-jobs")
    assert code == 0
    assert "Not printed (1)" in out and "form 9C" in out and "the printer is off or unreachable" in out
    assert "Retry one: kiosk print-jobs --retry JOB" in out
    code, out, _ = school.cli("print-jobs", "--failed")
    assert code == 1 and "Not printed (1)" in out
    code, out, _ = school.cli("labels", "--form", "7C", "--printer", offline, "--no-wait")
    assert code == 0
    code, out, _ = school.cli("print-jobs")
    [line] = [line for line in out.splitlines() if "form 7C" in line]
    assert "At the printer (1)" in out and ("queued" in line or "printing" in line) and f"{offline}-" in line
    code, out, _ = school.cli("print-jobs", "--cancel", "2")
    assert code == 0 and "Print job 2 cancelled" in out
    cups.fix_queue(offline)
    code, out, _ = school.cli("print-jobs", "--retry", "1", "--wait", "60")
    assert code == 0 and "PRINTED 2 labels (form 9C)" in out and "print job 3" in out
    code, out, _ = school.cli("print-jobs")
    assert "Printed today (1)" in out and "printed again as job 3" in out
    code, out, _ = school.cli("print-jobs", "--failed")
    assert code == 1 and "printed again" not in out and "form 7C" in out  # the cancelled one is still to do
    assert printed_tags() == ["Zoë Hall", "Łukasz Nowakowski"]


def test_a_bag_label_is_a_job_in_the_history_printed_or_failed_with_why(cups, offline, school, tmp_path):
    from kiosk.labels import print_bag_label_job

    taken = school.confiscate(1)
    receipt = print_bag_label_job(school.ctx(), taken.custody_id, layout="brother-62x29",
                                  printer=FilePrinter(tmp_path / "bags"))
    [printed] = PrintJob.select()
    assert (printed.kind, printed.state, printed.labels) == ("bag", "completed", 1)
    assert printed.what == f"bag label, seal {taken.seal_number}" and printed.reference == str(receipt.files[0])
    with pytest.raises(PrintFailed) as failure:
        print_bag_label_job(school.ctx(), taken.custody_id, layout="brother-62x29",
                            printer=CupsPrinter(offline, wait_seconds=5))
    failed = PrintJob.get_by_id(failure.value.job_id)
    assert failed.kind == "bag" and failed.state == "failed" and "the printer is off or unreachable" in failed.why
    assert [line.id for line in print_jobs(school.ctx()).not_printed] == [failed.id]
    with pytest.raises(NotNow, match="bag label"):  # printed again from the confiscation's record, not as tags
        print_again(school.ctx(), job_id=failed.id)
