"""A CUPS job is followed to its end on the real print service: labels count as printed only when the job
completed. An offline printer, a queue stopped mid-job and a cancelled job leave every tag "never printed",
say why in the office's words, and a Retry once the printer is fixed prints and marks them.
"""

from __future__ import annotations

import subprocess

import pytest

from kiosk.db import Event, Tag
from kiosk.labels import CupsPrinter, LabelChoice, PrintFailed, print_labels
from kiosk.labels.cups import trouble_words
from kiosk.labels.ipp import JobStatus, job_status


@pytest.fixture
def offline(cups):  # cups: the conftest's real CUPS service
    name = cups.add_offline_queue()
    yield name
    cups.remove_queue(name)


def printed_tags() -> list[str]:
    return sorted(t.pupil.display_name for t in Tag.select().where(Tag.label_printed_at.is_null(False)))


def labels_events() -> int:
    return Event.select().where(Event.action == "LABELS_PRINTED").count()


def test_an_offline_printer_marks_nothing_printed_says_why_and_retry_prints_once_fixed(cups, offline, school):
    seen: list[str] = []
    with pytest.raises(PrintFailed) as failure:
        print_labels(school.ctx(), choice=LabelChoice(form="9c"), layout="brother-62x29",
                     printer=CupsPrinter(offline, wait_seconds=4), progress=seen.append)
    assert "the printer is off or unreachable" in failure.value.problem
    assert "try again" in failure.value.retry and "switched on" in failure.value.retry
    assert printed_tags() == [] and labels_events() == 0
    assert any("waiting for the printer" in line for line in seen), seen
    assert cups.jobs(offline) == []  # cancelled: it will not print by surprise after the office pressed Retry
    cups.fix_queue(offline)
    result = print_labels(school.ctx(), choice=LabelChoice(form="9c"), layout="brother-62x29",
                          printer=CupsPrinter(offline, wait_seconds=60))
    assert result.labels == 2 and result.receipt.finished
    assert "completed" in result.receipt.detail
    assert printed_tags() == ["Zoë Hall", "Łukasz Nowakowski"] and labels_events() == 1


def test_a_queue_stopped_mid_job_marks_nothing_and_says_the_queue_is_stopped(cups, offline, school):
    def stop_it(_line: str) -> None:  # the printer reports a problem while the job is out: IT stops the queue
        if not stopped:
            stopped.append(True)
            cups.stop_queue(offline, "Out of labels")

    stopped: list[bool] = []
    with pytest.raises(PrintFailed) as failure:
        print_labels(school.ctx(), choice=LabelChoice(form="9c"), layout="brother-62x29",
                     printer=CupsPrinter(offline, wait_seconds=30), progress=stop_it)
    # (CUPS forgets the reason given to cupsdisable when a job is printing: the words come from the printer.)
    assert "the print queue is stopped" in failure.value.problem and "reason unknown" not in failure.value.problem
    assert f"cupsenable {offline}" in failure.value.retry
    assert printed_tags() == [] and labels_events() == 0 and cups.jobs(offline) == []
    cups.fix_queue(offline)
    print_labels(school.ctx(), choice=LabelChoice(form="9c"), layout="brother-62x29",
                 printer=CupsPrinter(offline, wait_seconds=60))
    assert printed_tags() == ["Zoë Hall", "Łukasz Nowakowski"]


def test_a_job_cancelled_at_the_pc_marks_nothing_and_says_cancelled(cups, offline, school):
    def cancel_it(_line: str) -> None:
        subprocess.run(["cancel", "-a", offline], check=True, capture_output=True)

    with pytest.raises(PrintFailed) as failure:
        print_labels(school.ctx(), choice=LabelChoice(form="9c"), layout="brother-62x29",
                     printer=CupsPrinter(offline, wait_seconds=30), progress=cancel_it)
    assert "cancelled" in failure.value.problem
    assert printed_tags() == [] and labels_events() == 0


@pytest.mark.parametrize(("reasons", "message", "words"), [
    (("media-empty-error",), "", "out of labels"),
    (("media-needed",), "", "out of labels"),
    (("media-jam-error",), "", "the labels are jammed in the printer"),
    (("cover-open",), "", "the printer's cover is open"),
    (("offline-report",), "", "the printer is off or unreachable"),
    ((), "The printer may not exist or is unavailable at this time.", "the printer is off or unreachable"),
    ((), "", ""),
])
def test_what_cups_reports_becomes_office_words(reasons, message, words):
    status = JobStatus(state="processing", reasons=("job-printing",), printer_reasons=reasons,
                       printer_message=message)
    assert trouble_words(status) == words


def test_the_job_state_comes_from_cups_itself(cups, offline):
    subprocess.run(["lp", "-d", offline, "-t", "state probe"], input=b"%PDF-1.4\n", check=True,
                   capture_output=True)
    job = int(cups.jobs(offline)[0].rsplit("-", 1)[1])
    assert job_status(offline, job).state in ("pending", "processing")
    subprocess.run(["cancel", "-a", offline], check=True, capture_output=True)
    assert job_status(offline, job).state == "cancelled"


def test_the_command_line_waits_visibly_and_marks_nothing_when_the_printer_is_off(cups, offline, school):
    code, out, err = school.cli("labels", "--form", "9C", "--never-printed", "--printer", offline, "--wait", "4")
    out += err
    assert code != 0
    assert "waiting for the printer" in out and "NOT PRINTED" in out and "off or unreachable" in out
    assert "PRINTED 2" not in out and printed_tags() == []


def test_the_command_line_can_leave_without_waiting_and_says_nothing_was_marked(cups, offline, school):
    code, out, _ = school.cli("labels", "--form", "9C", "--printer", offline, "--no-wait")
    assert code == 0 and "NOT marked printed" in out and "PRINTED 2" not in out
    assert printed_tags() == []
    cups.remove_queue(offline)
