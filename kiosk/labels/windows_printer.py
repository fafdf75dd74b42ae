"""Printing through the Windows print spooler, to a named printer (the Brother QL's or the Dymo's own Windows driver,
an office laser) or the PC's default printer: nothing to install, the driver draws each page.

Every label (or A4 sheet) is drawn as one page at its true size through the printer's driver (GDI), as one spooler
job. Before anything is sent the spooler is asked how the printer is: off, offline, paused, out of paper, jammed or
in error refuses the job in the office's words (a job into a printer that is off would sit in the queue and print
by surprise later, after a Retry). After sending, the job is followed until the spooler says it printed; trouble
on the way is said while the desk waits, and a job that cannot finish within the bound is deleted from the queue,
so it never prints twice. The calls themselves are Windows only (kiosk/labels/windows_spooler.py, loaded on
Windows alone); everything here is plain Python, checked on Linux against the documented values (docs/windows.md).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from PIL import Image

from kiosk.labels.documents import each_sheet_image
from kiosk.labels.layouts import MM_PER_INCH, Layout
from kiosk.labels.printers import JobTracker, PrintFailed, PrintReceipt, Progress

DEFAULT_PRINTER = "default"  # the setting's word for "the PC's default printer"
POLL_SECONDS = 0.2  # often: a printed job leaves the queue soon after the spooler marks it printed
PAPER_TOLERANCE_MM = 3.0  # a driver's paper size may differ from the stock's by rounding
MAX_NAME = 220  # characters in a printer's name, as Windows' printer dialogs take them

# Printer status bits (PRINTER_INFO_2.Status) and the one attribute that matters, with their documented values:
# MS-RPRN 2.2.3.12 "Status and Attribute Values",
# https://learn.microsoft.com/openspecs/windows_protocols/ms-rprn/1625e9d9-29e4-48f4-b83d-3bd0fdaea787
PRINTER_STATUS_PAUSED = 0x00000001
PRINTER_STATUS_ERROR = 0x00000002
PRINTER_STATUS_PENDING_DELETION = 0x00000004
PRINTER_STATUS_PAPER_JAM = 0x00000008
PRINTER_STATUS_PAPER_OUT = 0x00000010
PRINTER_STATUS_MANUAL_FEED = 0x00000020
PRINTER_STATUS_PAPER_PROBLEM = 0x00000040
PRINTER_STATUS_OFFLINE = 0x00000080
PRINTER_STATUS_NOT_AVAILABLE = 0x00001000
PRINTER_STATUS_NO_TONER = 0x00040000
PRINTER_STATUS_PAGE_PUNT = 0x00080000
PRINTER_STATUS_USER_INTERVENTION = 0x00100000
PRINTER_STATUS_OUT_OF_MEMORY = 0x00200000
PRINTER_STATUS_DOOR_OPEN = 0x00400000
PRINTER_STATUS_SERVER_UNKNOWN = 0x00800000
PRINTER_STATUS_SERVER_OFFLINE = 0x02000000
PRINTER_ATTRIBUTE_WORK_OFFLINE = 0x00000400  # "Use Printer Offline", set by hand or by Windows for a lost printer
PRINTER_ATTRIBUTE_KEEPPRINTEDJOBS = 0x00000100  # "Keep printed documents": a printed job stays, marked printed

# Job status bits (JOB_INFO_1.Status), documented as System.Printing.PrintJobStatus, "a one-to-one mapping to the
# spooler flags" (https://learn.microsoft.com/dotnet/api/system.printing.printjobstatus and
# https://learn.microsoft.com/windows-hardware/drivers/ddi/printerextension/ne-printerextension-tagprintjobstatus).
JOB_STATUS_PAUSED = 0x0001
JOB_STATUS_ERROR = 0x0002
JOB_STATUS_DELETING = 0x0004
JOB_STATUS_SPOOLING = 0x0008
JOB_STATUS_PRINTING = 0x0010
JOB_STATUS_OFFLINE = 0x0020
JOB_STATUS_PAPEROUT = 0x0040
JOB_STATUS_PRINTED = 0x0080
JOB_STATUS_DELETED = 0x0100
JOB_STATUS_BLOCKED_DEVQ = 0x0200
JOB_STATUS_USER_INTERVENTION = 0x0400
JOB_STATUS_RESTART = 0x0800
JOB_STATUS_COMPLETE = 0x1000
JOB_STATUS_RETAINED = 0x2000

# What is wrong with a printer, most telling first: (bits in Status, or in Attributes for WORK_OFFLINE; words).
_PRINTER_TROUBLE = (
    (PRINTER_STATUS_OFFLINE | PRINTER_STATUS_NOT_AVAILABLE | PRINTER_STATUS_SERVER_OFFLINE
     | PRINTER_STATUS_SERVER_UNKNOWN, "the printer is off or unreachable"),
    (PRINTER_STATUS_PAPER_OUT, "out of labels or paper"),
    (PRINTER_STATUS_PAPER_JAM, "the labels or paper are jammed in the printer"),
    (PRINTER_STATUS_DOOR_OPEN, "the printer's cover is open"),
    (PRINTER_STATUS_NO_TONER, "the printer is out of toner or ink"),
    (PRINTER_STATUS_PAPER_PROBLEM | PRINTER_STATUS_MANUAL_FEED, "the printer has a paper problem"),
    (PRINTER_STATUS_USER_INTERVENTION, "the printer needs someone to look at it"),
    (PRINTER_STATUS_ERROR | PRINTER_STATUS_PAGE_PUNT | PRINTER_STATUS_OUT_OF_MEMORY, "the printer reports an error"),
    (PRINTER_STATUS_PENDING_DELETION, "the printer is being removed from this PC"),
)
_JOB_TROUBLE = (
    (JOB_STATUS_OFFLINE, "the printer is off or unreachable"),
    (JOB_STATUS_PAPEROUT, "out of labels or paper"),
    (JOB_STATUS_USER_INTERVENTION, "the printer needs someone to look at it"),
    (JOB_STATUS_BLOCKED_DEVQ, "the printer's driver cannot print the job"),
    (JOB_STATUS_ERROR, "the printer reports an error"),
)


@dataclass(frozen=True)
class PrinterInfo:
    """One printer as the spooler describes it (PRINTER_INFO_2)."""

    name: str
    status: int = 0
    attributes: int = 0
    jobs: int = 0
    port: str = ""
    driver: str = ""
    is_default: bool = False

    @property
    def paused(self) -> bool:
        return bool(self.status & PRINTER_STATUS_PAUSED)

    @property
    def offline(self) -> bool:
        return bool(self.attributes & PRINTER_ATTRIBUTE_WORK_OFFLINE)

    @property
    def trouble(self) -> str:
        """What stops it printing now, in the office's words; "" when it is ready."""
        if self.offline:
            return "the printer is offline (off, unplugged, or set to 'Use Printer Offline')"
        if self.paused:
            return "printing is paused on this printer"
        return next((words for bits, words in _PRINTER_TROUBLE if self.status & bits), "")

    @property
    def state(self) -> str:
        return self.trouble or "ready"


@dataclass(frozen=True)
class JobInfo:
    """One job as the spooler describes it (JOB_INFO_1)."""

    job_id: int
    status: int = 0
    pages_printed: int = 0
    total_pages: int = 0
    status_text: str = ""  # pStatus: a port monitor's or driver's own words, when it gives any

    @property
    def printed(self) -> bool:
        """The spooler says the job went to the printer whole (and printers with a status channel, that it came out)."""
        return bool(self.status & (JOB_STATUS_PRINTED | JOB_STATUS_COMPLETE))

    @property
    def state(self) -> str:
        """The print history's word: completed, held, processing, pending, or cancelled (being deleted)."""
        if self.printed:
            return "completed"
        if self.status & (JOB_STATUS_DELETING | JOB_STATUS_DELETED):
            return "cancelled"
        if self.status & JOB_STATUS_PAUSED:
            return "held"
        if self.status & (JOB_STATUS_PRINTING | JOB_STATUS_SPOOLING):
            return "processing"
        return "pending"

    @property
    def trouble(self) -> str:
        words = next((words for bits, words in _JOB_TROUBLE if self.status & bits), "")
        if words and self.status_text.strip() and self.status_text.strip().lower() not in words:
            return f"{words} ({self.status_text.strip()})"
        return words or (self.status_text.strip() if self.status & JOB_STATUS_ERROR else "")


class Document(Protocol):
    """A print job being drawn: the printer's page, in its own dots, and one bitmap per page."""

    job_id: int
    page_mm: tuple[float, float]  # the paper the driver is set to, as it feeds (width × length)
    dpi: tuple[int, int]

    def add_page(self, image: Image.Image, *, left: int, top: int, width: int, height: int) -> None:
        """Draw `image` on a new page at this place and size (dots from the page's top-left corner)."""
        ...


class Spooler(Protocol):
    """The spooler's few calls the kiosk makes (kiosk/labels/windows_spooler.py on Windows)."""

    def default_printer(self) -> str: ...

    def printers(self) -> list[PrinterInfo]: ...

    def printer(self, name: str) -> PrinterInfo:
        """Raises LookupError when there is no printer of that name."""
        ...

    def document(self, printer: str, title: str) -> AbstractContextManager[Document]:
        """A job: StartDoc on entry (its job id known), EndDoc on a clean exit, AbortDoc on an error."""
        ...

    def job(self, printer: str, job_id: int) -> JobInfo | None:
        """The job, or None once it has left the queue."""
        ...

    def delete_job(self, printer: str, job_id: int) -> None: ...


def printer_name_problem(name: str) -> str | None:
    """Why `name` cannot be a Windows printer's name, or None. A printer's name is a local name or
    \\\\SERVER\\NAME for one shared from a print server; a local name has no ',' or '\\' (MS-RPRN 2.2.4.14,
    https://learn.microsoft.com/openspecs/windows_protocols/ms-rprn/24fcd124-035c-4988-a858-3a7d8d6f7b43)."""
    text = name.strip()
    if not text:
        return "no printer name was given"
    if text.lower() == DEFAULT_PRINTER:
        return None
    if len(text) > MAX_NAME:
        return f"a printer's name has at most {MAX_NAME} characters"
    if any(ord(character) < 32 for character in text):
        return "a printer's name has no control characters"
    local = text
    if text.startswith("\\\\"):
        server, _, local = text[2:].partition("\\")
        if not server or not local:
            return "a shared printer is written \\\\SERVER\\PRINTER"
    if "\\" in local or "," in local:
        return "a printer's name has no ',' or '\\' (a shared printer is written \\\\SERVER\\PRINTER)"
    return None


def fit_on_page(stock_mm: tuple[float, float], page_mm: tuple[float, float], *, turn: int = 0,
                tolerance: float = PAPER_TOLERANCE_MM) -> int | None:
    """How far to turn a page's bitmap (0 or 90 degrees) so the stock (a label as read, or a sheet) lies on the
    driver's paper, trying the layout's own `turn` first; None when the paper is not the stock's size either way
    round (an A4 driver for a roll of labels)."""
    def close(a: tuple[float, float], b: tuple[float, float]) -> bool:
        return abs(a[0] - b[0]) <= tolerance and abs(a[1] - b[1]) <= tolerance

    turned = (stock_mm[1], stock_mm[0])
    first, second = ((turned, 90), (stock_mm, 0)) if turn else ((stock_mm, 0), (turned, 90))
    for size, degrees in (first, second):
        if close(size, page_mm):
            return degrees
    return None


def placement(image_px: tuple[int, int], image_dpi: int, *, page_mm: tuple[float, float],
              device_dpi: tuple[int, int]) -> tuple[int, int, int, int]:
    """(left, top, width, height) in the printer's dots: the bitmap at its true size, centred on the page (as the
    PDF does: a printer's printable area sits centred on its label)."""
    width = round(image_px[0] * device_dpi[0] / image_dpi)
    height = round(image_px[1] * device_dpi[1] / image_dpi)
    page_w = round(page_mm[0] * device_dpi[0] / MM_PER_INCH)
    page_h = round(page_mm[1] * device_dpi[1] / MM_PER_INCH)
    return (page_w - width) // 2, (page_h - height) // 2, width, height


def dib_rows(image: Image.Image) -> bytes:
    """A 1-bit bitmap as a Windows device-independent bitmap's bits: bottom row first, each row padded to a
    multiple of 4 bytes, bit 1 = palette entry 1 (white), most significant bit leftmost (BITMAPINFOHEADER,
    https://learn.microsoft.com/windows/win32/api/wingdi/ns-wingdi-bitmapinfoheader)."""
    bitmap = image if image.mode == "1" else image.convert("1")
    stride = (bitmap.size[0] + 31) // 32 * 4
    return bitmap.tobytes("raw", "1", stride, -1)


def windows_spooler() -> Spooler:
    """The real spooler: on Windows only (this is the one gate to kiosk/labels/windows_spooler.py)."""
    if sys.platform != "win32":
        raise PrintFailed("printing to a Windows printer works on a Windows PC only",
                          "Choose a CUPS printer queue, a Brother QL or a file on this PC, then print again.")
    from kiosk.labels import windows_spooler  # pragma: no cover - Windows only

    return windows_spooler.WindowsSpooler()  # pragma: no cover - Windows only


def windows_printers(spooler: Spooler | None = None) -> list[PrinterInfo]:
    """Every printer Windows has on this PC (its own and those shared from a print server), for `kiosk printers`."""
    try:
        return sorted((spooler or windows_spooler()).printers(), key=lambda info: info.name.casefold())
    except OSError as exc:
        raise PrintFailed(f"the Windows print spooler could not list the printers ({exc.strerror or exc})",
                          "Check the Print Spooler service is running (services.msc), then try again.") from exc


class WindowsPrinter:
    """A printer Windows knows by name (or the default printer, `name="default"`), printed to through its driver.

    `wait_seconds` bounds how long a job is followed; one not printed by then is deleted from the queue, so it can
    never print by surprise after a Retry. Every job is followed (nothing follows a Windows job up later, as
    kiosk/labels/again.py does a CUPS one). `spooler` is the spooler's calls (kiosk/labels/windows_spooler.py on
    Windows; a model of them in the tests)."""

    def __init__(self, name: str, *, wait_seconds: float = 300.0, spooler: Spooler | None = None) -> None:
        self.name = name.strip() or DEFAULT_PRINTER
        self.wait_seconds = wait_seconds
        self._spooler = spooler

    @property
    def uses_default(self) -> bool:
        return self.name.lower() == DEFAULT_PRINTER

    @property
    def description(self) -> str:
        return "the Windows default printer" if self.uses_default else f"Windows printer {self.name}"

    def unsuitable(self, layout: Layout) -> str | None:
        return printer_name_problem(self.name)  # the paper the driver is set to is checked as the job starts

    @property
    def spooler(self) -> Spooler:
        if self._spooler is None:
            self._spooler = windows_spooler()
        return self._spooler

    def resolve(self) -> str:
        """The printer's name: the one set, or the PC's default printer's."""
        if not self.uses_default:
            return self.name
        try:
            name = self.spooler.default_printer()
        except OSError as exc:
            raise PrintFailed(f"Windows could not say which printer is the default ({exc.strerror or exc})",
                              "Set a default printer in Windows' Printers & scanners, or name the printer in the "
                              "settings, then print again.") from exc
        if not name:
            raise PrintFailed("this PC has no default printer", "Set one in Windows' Printers & scanners, or name "
                              "the printer in the settings, then print again.")
        return name

    def ready(self, name: str) -> PrinterInfo:
        """The printer as the spooler has it; PrintFailed when there is none or it cannot print now."""
        try:
            info = self.spooler.printer(name)
        except LookupError:
            raise PrintFailed(f"there is no printer called {name!r} on this PC",
                              "Choose a printer that `kiosk printers` lists (names as in Windows' Printers & "
                              "scanners), then try again.") from None
        except OSError as exc:
            raise PrintFailed(f"the Windows print spooler did not answer about {name!r} ({exc.strerror or exc})",
                              "Check the Print Spooler service is running (services.msc), then try again.") from exc
        if info.trouble:
            raise PrintFailed(f"the printer {name!r} cannot print now: {info.trouble}", _retry_words(info))
        return info

    def print_labels(self, images: Sequence[Image.Image], layout: Layout, *, title: str,
                     progress: Progress | None = None, tracker: JobTracker | None = None) -> PrintReceipt:
        if reason := self.unsuitable(layout):
            raise PrintFailed(reason, "Give the printer's name as Windows shows it, or 'default', then try again.")
        if not images:
            raise PrintFailed("there were no labels to print", "Choose some pupils, then print again.")
        name = self.resolve()
        self.ready(name)
        pages = 0
        try:
            with self.spooler.document(name, title[:100]) as document:
                if tracker is not None:
                    tracker.sent(f"{name} job {document.job_id}")
                # The stock (a label of the roll, or the sheet) against the paper the driver is set to.
                stock = layout.sheet.page_mm if layout.sheet else layout.label_mm
                turn = fit_on_page(stock, document.page_mm, turn=layout.page_turn)
                if turn is None:
                    raise PrintFailed(_paper_words(name, document.page_mm, layout),
                                      "Set the printer's paper to the labels loaded (Printing Preferences in "
                                      "Windows), or choose the layout for that paper, then print again.")
                for page in _pages(images, layout):
                    drawn = page.rotate(90, expand=True) if turn else page
                    left, top, width, height = placement(drawn.size, layout.dpi, page_mm=document.page_mm,
                                                         device_dpi=document.dpi)
                    document.add_page(drawn, left=left, top=top, width=width, height=height)
                    pages += 1
                job_id = document.job_id
        except OSError as exc:
            raise PrintFailed(f"Windows could not send the job to {name!r} ({exc.strerror or exc})",
                              "Check the printer and its driver, then try again.") from exc
        self._follow(name, job_id, progress or (lambda _line: None), tracker)
        return PrintReceipt(self.description, len(images), pages, f"job {job_id} printed on {name} "
                                                                  "(Windows spooler: printed)")

    def _follow(self, name: str, job_id: int, progress: Progress, tracker: JobTracker | None) -> None:
        """Follow the job until the spooler says it printed (return) or it cannot (delete it, raise PrintFailed)."""
        started = time.monotonic()
        last: JobInfo | None = None
        told = ("", "")
        said = ""
        while True:
            job = self.spooler.job(name, job_id)
            if job is None:
                if last is not None and last.printed:
                    return
                raise PrintFailed(
                    f"job {job_id} left {name}'s queue without the spooler saying it printed (it was deleted, or "
                    "printed and forgotten at once)",
                    "Check whether the labels came out; if not, try again. (IT: tick 'Keep printed documents' in "
                    "the printer's Advanced properties, so the kiosk can see each job print.)", state="cancelled")
            last = job
            if job.printed:
                self._delete(name, job_id)  # kept by 'Keep printed documents': seen printed, no need to keep it
                return
            if job.state == "cancelled":
                raise PrintFailed(f"job {job_id} was deleted from {name}'s queue (at the printer or on this PC)",
                                  "Press Retry to print the labels again.", state="cancelled")
            trouble = job.trouble or self._printer_trouble(name)
            if tracker is not None and (job.state, trouble) != told:
                told = (job.state, trouble)
                tracker.state(*told)
            if job.state == "held" or self._printer_paused(name):
                self._delete(name, job_id)
                raise PrintFailed(f"{name}'s queue is paused{f' ({trouble})' if trouble else ''}; job {job_id} was "
                                  "deleted", "Check the printer, resume printing in Windows' print queue, then try "
                                  "again.", state="stopped")
            waited = time.monotonic() - started
            line = _waiting_words(job, trouble, waited)
            if line != said:
                said = line
                progress(line)
            if waited >= self.wait_seconds:
                self._delete(name, job_id)
                finished = self.spooler.job(name, job_id)
                if finished is not None and finished.printed:  # it printed just as the wait ran out
                    return
                took = f"{self.wait_seconds / 60:.0f} minutes" if self.wait_seconds >= 120 else \
                    f"{self.wait_seconds:.0f} seconds"
                raise PrintFailed(f"{f'{trouble}: ' if trouble else ''}job {job_id} did not print within {took} and "
                                  "was deleted from the queue", "Check the printer is switched on, has labels and "
                                  "is connected, then try again.")
            time.sleep(POLL_SECONDS)

    def _printer_trouble(self, name: str) -> str:
        try:
            return self.spooler.printer(name).trouble
        except (LookupError, OSError):
            return "the printer is no longer on this PC"

    def _printer_paused(self, name: str) -> bool:
        try:
            return self.spooler.printer(name).paused
        except (LookupError, OSError):
            return False

    def _delete(self, name: str, job_id: int) -> None:
        try:
            self.spooler.delete_job(name, job_id)
        except OSError:
            pass  # gone already: what matters is that it cannot print later


def _pages(images: Sequence[Image.Image], layout: Layout) -> Iterator[Image.Image]:
    """One bitmap per page: each label of a roll (turned by fit_on_page), each A4 sheet with its labels placed."""
    return each_sheet_image(images, layout)


def _paper_words(name: str, page_mm: tuple[float, float], layout: Layout) -> str:
    return (f"the printer {name!r} is set to paper of {page_mm[0]:.0f} × {page_mm[1]:.0f} mm, not the "
            f"{layout.title}")


def _retry_words(info: PrinterInfo) -> str:
    if info.offline:
        return ("Switch the printer on and check its cable; if Windows still shows it offline, untick 'Use Printer "
                "Offline' in its print queue, then try again.")
    if info.paused:
        return "Resume printing in the printer's queue in Windows (untick 'Pause Printing'), then try again."
    return "Check the printer (labels or paper, cover, cable), then try again."


def _waiting_words(job: JobInfo, trouble: str, waited: float) -> str:
    seconds = int(waited)
    took = f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"
    doing = {"pending": "queued", "processing": "printing", "held": "held"}.get(job.state, job.state)
    pages = f", {job.pages_printed} of {job.total_pages} pages done" if job.total_pages else ""
    return f"waiting for the printer… job {doing}{pages}{f': {trouble}' if trouble else ''} ({took})"
