"""A real CUPS queue (cupsd + cups-pdf): labels printed through `lp` come out at the media's size and scan
back; a stopped, rejecting or missing queue is a clear PrintFailed and leaves no job behind.

Skipped, with the reason, where the machine has no CUPS; with KIOSK_REQUIRE_CUPS=1 (.ci/run) that is a failure.
"""

from __future__ import annotations

import re
import socket
import subprocess
import time
import uuid

import pytest
from PIL import Image

from kiosk.db import Event, Tag
from kiosk.labels import (
    LAYOUTS,
    CupsPrinter,
    LabelChoice,
    PrintFailed,
    list_queues,
    print_labels,
    render_tag_label,
)
from kiosk.labels.layouts import mm_to_pt
from tests.test_labels_render import decode, hardest_names, labels_for, scans_as

DPI = 300


@pytest.fixture
def queue(cups):  # cups: the conftest's real CUPS service
    name = cups.add_pdf_queue()
    yield name
    cups.remove_queue(name)


def job_of(detail: str) -> str:
    match = re.search(r"job (\S+) printed", detail)
    assert match, detail
    return match.group(1)


def page_size(pdf) -> tuple[float, float]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    width, height = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups()
    return float(width), float(height)


def first_page(pdf, tmp_path) -> Image.Image:
    subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", "-png", "-singlefile", "-f", "1", "-l", "1", str(pdf),
                    str(tmp_path / "printed")], check=True)
    return Image.open(tmp_path / "printed.png").convert("L")


def test_a_label_printed_through_cups_comes_out_at_the_media_size_and_scans_back(cups, queue, tmp_path):
    layout = LAYOUTS["brother-62x29"]
    label = labels_for([("Aoife Ó Súilleabháin", "7C")])[0]
    since = time.time()
    receipt = CupsPrinter(queue, media="Custom.62x29mm").print_labels(
        [render_tag_label(label, layout)], layout, title=f"kiosk test {uuid.uuid4().hex[:6]}")
    assert receipt.printer == f"CUPS queue {queue}" and receipt.labels == 1
    pdf = cups.wait_for_pdf(job_of(receipt.detail), since=since)
    width, height = page_size(pdf)
    assert width == pytest.approx(mm_to_pt(62), abs=1.0)  # cups-pdf rounds to whole points
    assert height == pytest.approx(mm_to_pt(29), abs=1.0)
    assert decode(first_page(pdf, tmp_path)) == scans_as(label.code)


def test_a_full_a4_sheet_through_cups_scans_back_label_by_label(cups, queue, tmp_path):
    layout = LAYOUTS["a4-21"]
    sheet = layout.sheet
    labels = labels_for(hardest_names(sheet.per_sheet))
    since = time.time()
    receipt = CupsPrinter(queue).print_labels([render_tag_label(label, layout) for label in labels], layout,
                                              title="kiosk test sheet")
    assert receipt.pages == 1
    pdf = cups.wait_for_pdf(job_of(receipt.detail), since=since)
    assert page_size(pdf) == (pytest.approx(595.28, abs=1.0), pytest.approx(841.89, abs=1.0))  # A4
    page = first_page(pdf, tmp_path)
    slack = 1.5  # mm: the labels' own blank margins, so a neighbour's codes never come into a cut-out
    for index, label in enumerate(labels):
        left, top = sheet.cell_mm(index)
        box = [round(v * DPI / 25.4) for v in (left - slack, top - slack, left + layout.label_mm[0] + slack,
                                               top + layout.label_mm[1] + slack)]
        assert decode(page.crop(box)) == scans_as(label.code), (index, label.name)


def test_a_stopped_queue_is_refused_with_a_clear_message_and_no_job_is_left(cups, queue):
    cups.stop_queue(queue, "Out of labels")
    image = render_tag_label(labels_for([("Leo Webb", "11B")])[0], "brother-62x29")
    with pytest.raises(PrintFailed) as failure:
        CupsPrinter(queue).print_labels([image], LAYOUTS["brother-62x29"], title="kiosk test stopped")
    assert failure.value.message.startswith(f"NOT PRINTED: the printer queue '{queue}' is stopped (Out of labels)")
    assert f"cupsenable {queue}" in failure.value.retry and "try again" in failure.value.retry
    assert cups.jobs(queue) == []  # nothing queued to print by surprise when the queue is restarted


def test_a_queue_refusing_jobs_is_a_clear_failure(cups, queue):
    subprocess.run(["cupsreject", "-r", "Maintenance", queue], check=True)
    image = render_tag_label(labels_for([("Leo Webb", "11B")])[0], "brother-62x29")
    with pytest.raises(PrintFailed, match=f"the printer queue '{queue}' is not accepting jobs"):
        CupsPrinter(queue).print_labels([image], LAYOUTS["brother-62x29"], title="kiosk test rejecting")


def test_a_queue_that_does_not_exist_is_a_clear_failure(cups):
    image = render_tag_label(labels_for([("Leo Webb", "11B")])[0], "brother-62x29")
    with pytest.raises(PrintFailed, match="there is no printer queue called 'No_Such_Kiosk_Printer'"):
        CupsPrinter("No_Such_Kiosk_Printer").print_labels([image], LAYOUTS["brother-62x29"], title="x")


def test_printers_are_listed_with_whether_they_can_print(cups, queue):
    listed = {q.name: q for q in list_queues()}
    assert listed[queue].ready and listed[queue].state == "ready"
    cups.stop_queue(queue, "Paper jam")
    stopped = {q.name: q for q in list_queues()}[queue]
    assert not stopped.enabled and stopped.state == "stopped (Paper jam)"


def test_printing_a_form_through_cups_marks_its_tags_printed(cups, queue, school):
    result = print_labels(school.ctx(), choice=LabelChoice(form="9c"), layout="brother-62x29",
                          printer=CupsPrinter(queue, media="Custom.62x29mm"))
    assert result.labels == 2 and result.receipt.pages == 2
    printed = Tag.select().where(Tag.label_printed_at.is_null(False))
    assert sorted(t.pupil.display_name for t in printed) == ["Zoë Hall", "Łukasz Nowakowski"]
    event = Event.select().where(Event.action == "LABELS_PRINTED").get()
    assert f'"printer":"CUPS queue {queue}"' in event.payload_json


def test_no_lp_command_is_a_clear_failure_not_a_silent_success(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # a PC without the CUPS commands
    image = render_tag_label(labels_for([("Leo Webb", "11B")])[0], "brother-62x29")
    with pytest.raises(PrintFailed, match="command is not installed on this PC") as failure:
        CupsPrinter("Reception").print_labels([image], LAYOUTS["brother-62x29"], title="x")
    assert "install the CUPS printing commands" in failure.value.retry


def test_a_print_service_that_is_not_running_is_named_as_the_problem(cups, monkeypatch):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))  # a loopback port where no print service listens
        monkeypatch.setenv("CUPS_SERVER", f"127.0.0.1:{unused.getsockname()[1]}")
        image = render_tag_label(labels_for([("Leo Webb", "11B")])[0], "brother-62x29")
        with pytest.raises(PrintFailed, match=r"the print service \(CUPS\) is not running on this PC"):
            CupsPrinter("Reception").print_labels([image], LAYOUTS["brother-62x29"], title="x")
        with pytest.raises(PrintFailed, match="is not running"):
            list_queues()
