"""What every printer back end promises: print these labels or raise PrintFailed; never a silent success.

Each back end is blocking and keeps no shared state, so the desk runs it in a worker thread and carries on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from PIL import Image

from kiosk.errors import DeskError
from kiosk.labels.layouts import Layout


class PrintFailed(DeskError):
    """Nothing (or not everything) was printed. `problem` says what went wrong, `retry` what to do first."""

    def __init__(self, problem: str, retry: str = "Check the printer, then try again.", *,
                 state: str = "failed") -> None:
        super().__init__(f"NOT PRINTED: {problem}. {retry}")
        self.problem = problem
        self.retry = retry
        # How the print history records the job's end: "failed", or what the print service said of it
        # ("cancelled", "aborted", "stopped").
        self.state = state
        self.job_id: int | None = None  # its row in the print history, once it has one (see `in_history`)

    def in_history(self, job_id: int) -> PrintFailed:
        """This failure, recorded as print job `job_id`: the message names the job, for Retry by its number."""
        self.job_id = job_id
        self.message = f"{self.message} (Print job {job_id} in the print history.)"
        self.args = (self.message,)
        return self


@dataclass(frozen=True)
class PrintReceipt:
    printer: str  # the printer as the office knows it: "CUPS queue Reception_QL"
    labels: int
    pages: int
    detail: str  # what happened: "job Reception_QL-12 printed", "saved to /home/office/labels.pdf"
    files: tuple[Path, ...] = field(default=())
    finished: bool = True  # False: sent to a queue and not followed to its end, so nothing may be marked printed


Progress = Callable[[str], None]  # one line for the office while a job is out ("waiting for the printer…")


class JobTracker(Protocol):
    """Hears what becomes of a job while a back end prints it, for the print history (kiosk/labels/history.py)."""

    def sent(self, reference: str) -> None:
        """The job left this PC: its CUPS job id ("Reception_QL-12"), or the file it went to."""
        ...

    def state(self, state: str, why: str = "") -> None:
        """The print service says the job is now `state` (pending, held, processing, stopped…), and why."""
        ...


@runtime_checkable
class Printer(Protocol):
    @property
    def description(self) -> str:
        """The printer in the office's words, shown on the Labels screen and recorded in the audit log."""
        ...

    def unsuitable(self, layout: Layout) -> str | None:
        """Why this printer cannot print `layout` (e.g. A4 sheets on a Brother QL), or None."""
        ...

    def print_labels(self, images: Sequence[Image.Image], layout: Layout, *, title: str,
                     progress: Progress | None = None, tracker: JobTracker | None = None) -> PrintReceipt:
        """Print rendered labels (each exactly `layout.size_px`) and return once they came out, or raise
        PrintFailed. `progress` hears how a slow job is getting on, `tracker` its id and states."""
        ...


def check_suitable(printer: Printer, layout: Layout) -> None:
    reason = printer.unsuitable(layout)
    if reason:
        raise PrintFailed(reason, "Choose a layout that matches the printer on the Labels screen, then print again.")
