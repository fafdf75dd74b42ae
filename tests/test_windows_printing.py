"""Printing through the Windows spooler, checked here by construction (this machine cannot be Windows): the printer
setting's Windows form, what the spooler's documented status values mean to the office, the page each label is drawn
on, the structures handed to winspool/gdi32 against their documented declarations, and the whole job (refused,
followed, printed or not) through the real print history on a real SQLite school, with a model of the spooler
answering as the documentation says it answers. docs/windows.md says which parts only Windows can prove.
"""

from __future__ import annotations

import ctypes
from contextlib import contextmanager

import pytest
from PIL import Image

from kiosk.db import Event, Tag
from kiosk.db.models import PrintJob
from kiosk.labels import LAYOUTS, LabelChoice, PrintFailed, make_printer, print_labels
from kiosk.labels import windows_printer as wp
from kiosk.labels.from_settings import configured_printer, printer_settings
from kiosk.labels.windows_printer import (
    JobInfo,
    PrinterInfo,
    WindowsPrinter,
    dib_rows,
    fit_on_page,
    placement,
    printer_name_problem,
)

# ── the setting ─────────────────────────────────────────────────────────────────────────────────────────────────


def test_the_printer_setting_takes_a_windows_printer_name_a_shared_printer_or_the_default():
    for good in ("Brother QL-800", "DYMO LabelWriter 450", "Reception (copy 1)", "\\\\OFFICE-PC\\Reception QL",
                 "default", "Default"):
        assert printer_name_problem(good) is None, good
    # MS-RPRN 2.2.4.14: a local printer's name has no ',' or '\'; a shared one is \\SERVER\NAME.
    for bad in ("", "   ", "Brother,QL", "Brother\\QL", "\\\\OFFICE-PC", "\\\\\\Reception", "\\\\PC\\a\\b",
                "Line\nbreak", "x" * 221):
        assert printer_name_problem(bad), repr(bad)
    with pytest.raises(PrintFailed, match="not a Windows printer's name"):
        make_printer("windows", "Brother,QL")
    printer = make_printer("windows", " Brother QL-800 ")
    assert isinstance(printer, WindowsPrinter) and printer.description == "Windows printer Brother QL-800"
    assert printer_settings(printer) == ("windows", "Brother QL-800"), "a Retry makes the same printer again"
    assert make_printer("windows", "").description == "the Windows default printer"


def test_a_windows_printer_with_no_name_in_the_settings_is_the_default_printer(school):
    from dataclasses import replace

    settings = replace(school.ctx().settings, label_printer_kind="windows", label_printer="")
    assert configured_printer(settings) == ("windows", "default")


# ── what the spooler's status values mean ─────────────────────────────────────────────────────────────────────
# Values as documented (MS-RPRN 2.2.3.12 for printers; PrintJobStatus for jobs, cited in windows_printer.py).
# Note PRINTER_STATUS_PRINTING is 0x400 in Status while PRINTER_ATTRIBUTE_WORK_OFFLINE is 0x400 in Attributes.

PRINTER_SAMPLES = [
    (0x00000000, 0x0000, ""),  # ready
    (0x00000400, 0x0000, ""),  # PRINTER_STATUS_PRINTING: busy is not trouble
    (0x00000200, 0x0000, ""),  # PRINTER_STATUS_BUSY
    (0x01000000, 0x0000, ""),  # PRINTER_STATUS_POWER_SAVE
    (0x00000000, 0x0400, "offline"),  # "Use Printer Offline" (Windows sets it for a printer it has lost)
    (0x00000080, 0x0000, "off or unreachable"),  # PRINTER_STATUS_OFFLINE
    (0x00001000, 0x0000, "off or unreachable"),  # PRINTER_STATUS_NOT_AVAILABLE
    (0x02000000, 0x0000, "off or unreachable"),  # PRINTER_STATUS_SERVER_OFFLINE (a shared printer's server)
    (0x00000001, 0x0000, "paused"),
    (0x00000010, 0x0000, "out of labels or paper"),
    (0x00000008, 0x0000, "jammed"),
    (0x00400000, 0x0000, "cover is open"),
    (0x00100000, 0x0000, "needs someone to look at it"),
    (0x00000002, 0x0000, "reports an error"),
    (0x00000082, 0x0000, "off or unreachable"),  # error and offline together: the telling one first
]


@pytest.mark.parametrize(("status", "attributes", "words"), PRINTER_SAMPLES)
def test_a_printer_that_is_off_paused_or_in_trouble_is_said_so(status, attributes, words):
    trouble = PrinterInfo(name="Brother QL-800", status=status, attributes=attributes).trouble
    assert (words in trouble) if words else trouble == "", (hex(status), hex(attributes), trouble)


JOB_SAMPLES = [
    (0x0000, "pending", ""),
    (0x0008, "processing", ""),  # spooling
    (0x0010, "processing", ""),  # printing
    (0x0080, "completed", ""),  # printed
    (0x1000, "completed", ""),  # complete: all of it sent to the printer
    (0x2080, "completed", ""),  # printed and retained ("Keep printed documents")
    (0x0004, "cancelled", ""),  # deleting
    (0x0001, "held", ""),  # paused
    (0x0030, "processing", "off or unreachable"),  # "Offline - Printing"
    (0x0012, "processing", "reports an error"),  # "Error - Printing": a USB printer switched off mid-job
    (0x0050, "processing", "out of labels or paper"),
    (0x0410, "processing", "needs someone to look at it"),
    (0x0200, "pending", "driver cannot print"),
]


@pytest.mark.parametrize(("status", "state", "words"), JOB_SAMPLES)
def test_a_jobs_status_becomes_the_print_historys_state_and_the_trouble_in_words(status, state, words):
    job = JobInfo(job_id=7, status=status)
    assert job.state == state and ((words in job.trouble) if words else job.trouble == ""), (hex(status), job)


def test_a_drivers_own_words_for_a_job_are_kept_beside_ours():
    job = JobInfo(job_id=7, status=0x0002, status_text="Paper jam in feeder")
    assert job.trouble == "the printer reports an error (Paper jam in feeder)"


# ── the page ────────────────────────────────────────────────────────────────────────────────────────────────────


def test_each_page_lies_on_the_drivers_paper_either_way_round_or_is_refused():
    brother, dymo, a4 = LAYOUTS["brother-62x29"], LAYOUTS["dymo-99010"], LAYOUTS["a4-21"]
    label = (62.0, 29.0)
    assert fit_on_page(label, (62.0, 29.0), turn=brother.page_turn) == 0
    assert fit_on_page(label, (29.0, 62.0), turn=brother.page_turn) == 90
    assert fit_on_page(label, (62.0, 30.5), turn=brother.page_turn) == 0, "a driver's rounding is allowed"
    # Dymo's driver feeds its 89 × 28 mm address label narrow side first (the layout's page_turn).
    assert fit_on_page(dymo.label_mm, (28.0, 89.0), turn=dymo.page_turn) == 90
    assert fit_on_page(a4.page_mm, (210.0, 297.0)) == 0
    assert fit_on_page(label, (210.0, 297.0)) is None, "a roll's label is not printed on A4 by accident"
    assert fit_on_page(a4.page_mm, (62.0, 29.0)) is None


def test_a_label_is_drawn_at_its_true_size_centred_on_the_page():
    # 696 × 271 dots at 300 dpi on the driver's 62 × 29 mm page at 300 dpi (732 × 343 dots).
    assert placement((696, 271), 300, page_mm=(62.0, 29.0), device_dpi=(300, 300)) == (18, 36, 696, 271)
    # The same label on a 600 dpi driver: twice the dots, the same millimetres.
    assert placement((696, 271), 300, page_mm=(62.0, 29.0), device_dpi=(600, 600)) == (36, 71, 1392, 542)


def test_a_bitmap_goes_to_windows_bottom_row_first_in_rows_of_whole_words():
    image = Image.new("1", (3, 2), 1)  # white
    image.putpixel((0, 0), 0)  # top-left black
    image.putpixel((2, 1), 0)  # bottom-right black
    rows = dib_rows(image)
    assert len(rows) == 8, "each 3-dot row is padded to 4 bytes"
    bottom, top = rows[:4], rows[4:]
    assert bottom[0] >> 5 == 0b110, "bottom row first: white, white, black (1 = white, leftmost = high bit)"
    assert top[0] >> 5 == 0b011


def test_the_structures_handed_to_windows_are_the_documented_ones():
    from kiosk.labels import windows_spooler as ws

    def names(structure) -> list[str]:
        return [field[0] for field in structure._fields_]

    # The declarations at learn.microsoft.com/windows/win32/printdocs/printer-info-2 and .../job-info-1,
    # .../api/wingdi/ns-wingdi-docinfow and .../api/wingdi/ns-wingdi-bitmapinfoheader, in their order.
    assert names(ws.PRINTER_INFO_2W) == [
        "pServerName", "pPrinterName", "pShareName", "pPortName", "pDriverName", "pComment", "pLocation", "pDevMode",
        "pSepFile", "pPrintProcessor", "pDatatype", "pParameters", "pSecurityDescriptor", "Attributes", "Priority",
        "DefaultPriority", "StartTime", "UntilTime", "Status", "cJobs", "AveragePPM"]
    assert names(ws.JOB_INFO_1W) == [
        "JobId", "pPrinterName", "pMachineName", "pUserName", "pDocument", "pDatatype", "pStatus", "Status",
        "Priority", "Position", "TotalPages", "PagesPrinted", "Submitted"]
    assert names(ws.DOCINFOW) == ["cbSize", "lpszDocName", "lpszOutput", "lpszDatatype", "fwType"]
    assert ctypes.sizeof(ws.BITMAPINFOHEADER) == 40 and ctypes.sizeof(ws.SYSTEMTIME) == 16
    info = ws.bitmap_info(Image.new("1", (696, 271), 1))
    assert (info.bmiHeader.biWidth, info.bmiHeader.biHeight, info.bmiHeader.biBitCount) == (696, 271, 1), \
        "a positive height: the bottom-up rows dib_rows gives"
    assert list(info.bmiColors) == [0x000000, 0xFFFFFF], "bit 0 black, bit 1 white, as PIL's 1-bit images"


def test_on_a_pc_that_is_not_windows_the_spooler_is_refused_in_words(school):
    with pytest.raises(PrintFailed, match="works on a Windows PC only"):
        print_labels(school.ctx(), choice=LabelChoice(form="9c"), layout="brother-62x29",
                     printer=WindowsPrinter("Brother QL-800"))
    [job] = PrintJob.select()
    assert job.state == "failed" and job.printer_kind == "windows" and job.printer_target == "Brother QL-800"


# ── the whole job, with a model of the spooler ──────────────────────────────────────────────────────────────────


class ModelDocument:
    def __init__(self, job_id: int, page_mm, dpi) -> None:
        self.job_id, self.page_mm, self.dpi = job_id, page_mm, dpi
        self.pages: list[tuple[tuple[int, int], tuple[int, int, int, int]]] = []

    def add_page(self, image, *, left, top, width, height) -> None:
        self.pages.append((image.size, (left, top, width, height)))


class ModelSpooler:
    """Answers as the spooler's documentation says: a printer's PRINTER_INFO_2 Status/Attributes, a job's
    JOB_INFO_1 Status in turn (`job_states`, the last repeated), None once the job has left the queue."""

    def __init__(self, *, printers: dict[str, PrinterInfo], default: str = "", job_states=(0x80,),
                 page_mm=(62.0, 29.0), dpi=(300, 300)) -> None:
        self.infos, self.default = printers, default
        self.job_states = list(job_states)
        self.page_mm, self.dpi = page_mm, dpi
        self.documents: list[ModelDocument] = []
        self.aborted = 0
        self.deleted: list[int] = []
        self.asked = 0

    def default_printer(self) -> str:
        return self.default

    def printers(self) -> list[PrinterInfo]:
        return list(self.infos.values())

    def printer(self, name: str) -> PrinterInfo:
        if name not in self.infos:
            raise LookupError(name)
        return self.infos[name]

    @contextmanager
    def document(self, printer: str, title: str):
        document = ModelDocument(40 + len(self.documents), self.page_mm, self.dpi)
        self.documents.append(document)
        try:
            yield document
        except BaseException:
            self.aborted += 1
            raise

    def job(self, printer: str, job_id: int) -> JobInfo | None:
        if job_id in self.deleted:
            return None
        self.asked += 1
        status = self.job_states[min(self.asked - 1, len(self.job_states) - 1)]
        return None if status is None else JobInfo(job_id=job_id, status=status, total_pages=3)

    def delete_job(self, printer: str, job_id: int) -> None:
        self.deleted.append(job_id)


QL = "Brother QL-800"


@pytest.fixture
def quick(monkeypatch):
    monkeypatch.setattr(wp, "POLL_SECONDS", 0.0)


def printed_tags() -> list[Tag]:
    return list(Tag.select().where(Tag.label_printed_at.is_null(False)))


def labels_printed_events() -> list[Event]:
    return list(Event.select().where(Event.action == "LABELS_PRINTED"))


@pytest.mark.parametrize(("status", "attributes", "words"), [
    (0, 0x0400, "offline"), (0x80, 0, "off or unreachable"), (0x01, 0, "paused"), (0x10, 0, "out of labels")])
def test_a_printer_that_is_off_or_paused_is_refused_before_anything_is_sent_and_nothing_is_marked(
        school, quick, status, attributes, words):
    spooler = ModelSpooler(printers={QL: PrinterInfo(QL, status=status, attributes=attributes)})
    with pytest.raises(PrintFailed, match=words) as failed:
        print_labels(school.ctx(), choice=LabelChoice(form="9c"), layout="brother-62x29",
                     printer=WindowsPrinter(QL, spooler=spooler))
    assert "NOT PRINTED" in failed.value.message and "Print job" in failed.value.message
    assert spooler.documents == [], "nothing went into the queue to print by surprise later"
    [job] = PrintJob.select()
    assert job.state == "failed" and words in job.why and job.printer_kind == "windows"
    assert printed_tags() == [] and labels_printed_events() == []


def test_a_job_the_spooler_follows_to_printed_marks_its_labels_once_and_is_recorded(school, quick):
    spooler = ModelSpooler(printers={QL: PrinterInfo(QL)}, job_states=(0x08, 0x10, 0x10, 0x80))
    seen: list[str] = []
    printed = print_labels(school.ctx(), choice=LabelChoice(form="9c"), layout="brother-62x29",
                           printer=WindowsPrinter(QL, spooler=spooler), progress=seen.append)
    [document] = spooler.documents
    tags = printed_tags()
    assert printed.marked and printed.labels == len(tags) == len(document.pages) > 0
    assert all(size == (696, 271) and place == (18, 36, 696, 271) for size, place in document.pages)
    [job] = PrintJob.select()
    assert job.state == "completed" and job.reference == f"{QL} job {document.job_id}"
    assert len(labels_printed_events()) == 1 and "printed on Brother QL-800" in printed.message
    assert any("printing" in line for line in seen), seen
    assert spooler.deleted == [document.job_id], "a job kept after printing is cleared from the queue once seen"


def test_a_printer_that_goes_off_mid_job_is_not_reported_printed_and_its_job_is_deleted(school, quick):
    # "Error - Printing" then "Offline - Printing", for longer than the desk waits.
    spooler = ModelSpooler(printers={QL: PrinterInfo(QL)}, job_states=(0x10, 0x12, 0x30))
    with pytest.raises(PrintFailed, match="did not print within") as failed:
        print_labels(school.ctx(), choice=LabelChoice(form="9c"), layout="brother-62x29",
                     printer=WindowsPrinter(QL, spooler=spooler, wait_seconds=0.05))
    assert "off or unreachable" in failed.value.problem or "reports an error" in failed.value.problem
    assert spooler.deleted == [spooler.documents[0].job_id], "it can never print by surprise after a Retry"
    [job] = PrintJob.select()
    assert job.state == "failed" and printed_tags() == [] and labels_printed_events() == []


def test_a_job_that_leaves_the_queue_unseen_printing_is_not_reported_printed(school, quick):
    spooler = ModelSpooler(printers={QL: PrinterInfo(QL)}, job_states=(0x10, None))
    with pytest.raises(PrintFailed, match="without the spooler saying it printed") as failed:
        print_labels(school.ctx(), choice=LabelChoice(form="9c"), layout="brother-62x29",
                     printer=WindowsPrinter(QL, spooler=spooler))
    assert "Keep printed documents" in failed.value.retry
    [job] = PrintJob.select()
    assert job.state == "cancelled" and printed_tags() == []


def test_a_queue_paused_under_a_job_deletes_it_and_says_so(school, quick):
    spooler = ModelSpooler(printers={QL: PrinterInfo(QL)}, job_states=(0x10, 0x01))
    with pytest.raises(PrintFailed, match="queue is paused"):
        print_labels(school.ctx(), choice=LabelChoice(form="9c"), layout="brother-62x29",
                     printer=WindowsPrinter(QL, spooler=spooler))
    assert spooler.deleted and PrintJob.get().state == "stopped" and printed_tags() == []


def test_a_driver_set_to_other_paper_is_refused_and_the_half_made_job_aborted(school, quick):
    spooler = ModelSpooler(printers={QL: PrinterInfo(QL)}, page_mm=(210.0, 297.0))
    with pytest.raises(PrintFailed, match="set to paper of 210 × 297 mm"):
        print_labels(school.ctx(), choice=LabelChoice(form="9c"), layout="brother-62x29",
                     printer=WindowsPrinter(QL, spooler=spooler))
    assert spooler.aborted == 1 and PrintJob.get().state == "failed" and printed_tags() == []


def test_the_default_printer_is_the_one_windows_names_and_none_is_said_plainly(school, quick):
    spooler = ModelSpooler(printers={"Office laser": PrinterInfo("Office laser", is_default=True)},
                           default="Office laser", page_mm=(210.0, 297.0))
    printed = print_labels(school.ctx(), choice=LabelChoice(form="9c"), layout="a4-21",
                           printer=WindowsPrinter("default", spooler=spooler))
    assert printed.marked and "Office laser" in printed.receipt.detail
    assert PrintJob.get().printer == "the Windows default printer"
    with pytest.raises(PrintFailed, match="no default printer"):
        WindowsPrinter("default", spooler=ModelSpooler(printers={})).resolve()
    with pytest.raises(PrintFailed, match="no printer called 'Reception QL'"):
        WindowsPrinter("Reception QL", spooler=ModelSpooler(printers={})).ready("Reception QL")


def test_kiosk_printers_lists_windows_printers_with_their_state_by_name():
    from kiosk.labels.windows_printer import windows_printers

    spooler = ModelSpooler(printers={
        "Office laser": PrinterInfo("Office laser", is_default=True),
        "Brother QL-800": PrinterInfo("Brother QL-800", attributes=0x0400),
        "DYMO LabelWriter 450": PrinterInfo("DYMO LabelWriter 450", status=0x10)})
    listed = [(info.name, info.state, info.is_default) for info in windows_printers(spooler)]
    assert [name for name, _, _ in listed] == ["Brother QL-800", "DYMO LabelWriter 450", "Office laser"]
    assert "offline" in listed[0][1] and "out of labels" in listed[1][1] and listed[2][1:] == ("ready", True)
