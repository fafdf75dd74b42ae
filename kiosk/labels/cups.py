"""Printing through CUPS with the ordinary `lp` and `lpstat` commands (pycups needs a compiler to install).

A job goes to a queue only when the queue is enabled and accepting: a job sent to a stopped queue would sit
there and print by surprise when IT restarts it, after the office had already pressed Retry. After `lp`
the job is followed over IPP (kiosk.labels.ipp) until CUPS says it completed: only then are its labels
printed. Cancelled, aborted, a queue stopped on it, or no end within the caller's bound: the job is cancelled
and the failure reported in the office's words, so Retry prints it once.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image

from kiosk.labels.documents import labels_pdf
from kiosk.labels.ipp import IppUnavailable, JobForgotten, JobStatus, cancel_job, job_status
from kiosk.labels.layouts import Layout
from kiosk.labels.printers import JobTracker, PrintFailed, PrintReceipt, Progress

COMMAND_TIMEOUT = 30.0  # seconds for one lp/lpstat call
POLL_SECONDS = 0.5  # how often a job out at the printer is asked after
_REQUEST_ID = re.compile(r"request id is (\S+)")
INSTALL_HINT = "Ask IT to install the CUPS printing commands (Debian: cups-bsd, cups-client), then try again."


@dataclass(frozen=True)
class Queue:
    """One CUPS printer queue, as `kiosk printers` and the Labels screen list it."""

    name: str
    enabled: bool  # False: stopped ("disabled"), e.g. after a paper jam or by IT
    accepting: bool  # False: refusing new jobs (cupsreject)
    reason: str  # CUPS's message for a stopped or rejecting queue, or ""
    is_default: bool = False

    @property
    def ready(self) -> bool:
        return self.enabled and self.accepting

    @property
    def state(self) -> str:
        if not self.enabled:
            return f"stopped ({self.reason})" if self.reason else "stopped"
        if not self.accepting:
            return f"not accepting jobs ({self.reason})" if self.reason else "not accepting jobs"
        return "ready"


def _run(command: list[str], *, data: bytes | None = None) -> subprocess.CompletedProcess[str]:
    program = shutil.which(command[0])
    if program is None:
        raise PrintFailed(f"the {command[0]} command is not installed on this PC", INSTALL_HINT)
    # The C locale, so the words parsed below are the same on every office PC.
    env = {**os.environ, "LANG": "C", "LC_ALL": "C"}
    try:
        result = subprocess.run([program, *command[1:]], input=data, capture_output=True, timeout=COMMAND_TIMEOUT,
                                env=env, check=False)
    except subprocess.TimeoutExpired as exc:
        raise PrintFailed(f"the print service did not answer within {COMMAND_TIMEOUT:.0f} seconds",
                          "Check the PC's print service is running, then try again.") from exc
    except OSError as exc:
        raise PrintFailed(f"{command[0]} could not be run ({exc.strerror or exc})", INSTALL_HINT) from exc
    return subprocess.CompletedProcess(result.args, result.returncode,
                                       result.stdout.decode(errors="replace"), result.stderr.decode(errors="replace"))


def _service_problem(stderr: str) -> None:
    text = stderr.lower()
    if "scheduler is not running" in text or "unable to connect" in text or "connection refused" in text:
        raise PrintFailed("the print service (CUPS) is not running on this PC",
                          "Ask IT to start it (systemctl start cups), then try again.")


def _require_scheduler() -> None:
    # With no scheduler, lpstat lists nothing and calls every queue unknown: say what is really wrong.
    answer = _run(["lpstat", "-r"])
    if "scheduler is running" not in answer.stdout:
        _service_problem("scheduler is not running")


def _parse_printers(text: str) -> dict[str, tuple[bool, str]]:
    """`lpstat -p` output: queue name -> (enabled, reason)."""
    queues: dict[str, tuple[bool, str]] = {}
    current = None
    for line in text.splitlines():
        match = re.match(r"printer (\S+) (.*)", line)
        if match:
            current = match.group(1)
            queues[current] = (" disabled since " not in f" {match.group(2)}", "")
        elif current and line.startswith(("\t", " ")) and line.strip():
            enabled, reason = queues[current]
            queues[current] = (enabled, f"{reason}; {line.strip()}" if reason else line.strip())
    return queues


def _parse_accepting(text: str) -> dict[str, tuple[bool, str]]:
    """`lpstat -a` output: queue name -> (accepting, reason)."""
    queues: dict[str, tuple[bool, str]] = {}
    current = None
    for line in text.splitlines():
        match = re.match(r"(\S+) (not )?accepting requests", line)
        if match:
            current = match.group(1)
            queues[current] = (match.group(2) is None, "")
        elif current and line.startswith(("\t", " ")) and line.strip():
            queues[current] = (queues[current][0], line.strip())
    return queues


def list_queues() -> list[Queue]:
    """Every CUPS queue on this PC with whether it can print now (`lpstat -e`, `-p`, `-a`, `-d`)."""
    _require_scheduler()
    names = _run(["lpstat", "-e"])
    if names.returncode != 0:
        _service_problem(names.stderr)
        if "no destinations" in names.stderr.lower():
            return []
        raise PrintFailed(f"the print service could not list printers ({names.stderr.strip()})",
                          "Check the PC's print service, then try again.")
    queue_names = [line.strip() for line in names.stdout.splitlines() if line.strip()]
    if not queue_names:
        return []
    printers = _parse_printers(_run(["lpstat", "-p"]).stdout)
    accepting = _parse_accepting(_run(["lpstat", "-a"]).stdout)
    default = _run(["lpstat", "-d"]).stdout
    default_name = default.split(":", 1)[1].strip() if "system default destination:" in default else ""
    return [
        Queue(name=name, enabled=printers.get(name, (True, ""))[0], accepting=accepting.get(name, (True, ""))[0],
              reason=printers.get(name, (True, ""))[1] or accepting.get(name, (True, ""))[1],
              is_default=name == default_name)
        for name in queue_names
    ]


def queue_status(name: str) -> Queue:
    """One queue's state; PrintFailed if CUPS is down or there is no such queue."""
    printer = _run(["lpstat", "-p", name])
    if printer.returncode != 0 or not printer.stdout.strip():
        _service_problem(printer.stderr)
        _require_scheduler()
        raise PrintFailed(f"there is no printer queue called {name!r} on this PC",
                          "Choose a printer that `kiosk printers` lists, then try again.")
    enabled, reason = _parse_printers(printer.stdout).get(name, (True, ""))
    accepts = _run(["lpstat", "-a", name])
    accepting, refusal = _parse_accepting(accepts.stdout).get(name, (True, ""))
    return Queue(name=name, enabled=enabled, accepting=accepting, reason=reason or refusal)


def _refuse_unless_ready(queue: Queue) -> None:
    if not queue.enabled:
        raise PrintFailed(f"the printer queue {queue.name!r} is stopped"
                          + (f" ({queue.reason})" if queue.reason else ""),
                          "Check the printer (paper, labels, cover, cable), ask IT to restart the queue "
                          f"(cupsenable {queue.name}), then try again.")
    if not queue.accepting:
        raise PrintFailed(f"the printer queue {queue.name!r} is not accepting jobs"
                          + (f" ({queue.reason})" if queue.reason else ""),
                          f"Ask IT to let it accept jobs (cupsaccept {queue.name}), then try again.")


def trouble_words(status: JobStatus) -> str:
    """What is wrong with the printer, in the office's words, from what CUPS reports ("" when nothing is)."""
    reasons = " ".join(status.printer_reasons)
    message = status.printer_message.lower()
    if "media-empty" in reasons or "media-needed" in reasons or "out of" in message:
        return "out of labels"
    if "media-jam" in reasons or "jam" in message:
        return "the labels are jammed in the printer"
    if "cover-open" in reasons or "door-open" in reasons:
        return "the printer's cover is open"
    if (any(word in reasons for word in ("offline", "connecting-to-device", "timed-out", "shutdown"))
            or any(words in message for words in _UNREACHABLE)):
        return "the printer is off or unreachable"
    if status.state == "held":
        return "the job is held in the print queue"
    return ""


_UNREACHABLE = ("unavailable", "may not exist", "unable to connect", "connection refused", "not responding",
                "network host", "unreachable")
OFF_OR_UNREACHABLE_RETRY = ("Check the printer is switched on, has labels and is connected (cable or network), "
                            "then try again.")


def waiting_words(status: JobStatus, waited: float) -> str:
    """One line for the desk while a job is out: what the printer is doing and how long it has been."""
    seconds = int(waited)
    took = f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"
    trouble = trouble_words(status)
    doing = {"pending": "queued", "held": "held", "processing": "printing", "stopped": "stopped"}.get(
        status.state, status.state)
    pages = f", {status.pages_done} page{'s' if status.pages_done != 1 else ''} done" if status.pages_done else ""
    return f"waiting for the printer… job {doing}{pages}{f': {trouble}' if trouble else ''} ({took})"


class CupsPrinter:
    """A CUPS queue. `media` is the `lp -o media=` value for the stock loaded in this printer; by default the
    layout's own (Custom.62x29mm, w79h252 for a Dymo 99010, A4).

    `wait_seconds` bounds how long a job is followed (minutes at the desk, whose worker does the waiting);
    a job that has not completed by then is cancelled, so it can never print by surprise after a Retry.
    With `wait_seconds=0` the job is sent and not followed: the receipt says it is not finished.
    """

    def __init__(self, queue: str, *, media: str | None = None, wait_seconds: float = 300.0) -> None:
        self.queue = queue
        self.media = media or None
        self.wait_seconds = wait_seconds

    @property
    def description(self) -> str:
        return f"CUPS queue {self.queue}"

    def unsuitable(self, layout: Layout) -> str | None:
        return None  # CUPS drivers exist for every layout here

    def print_labels(self, images: Sequence[Image.Image], layout: Layout, *, title: str,
                     progress: Progress | None = None, tracker: JobTracker | None = None) -> PrintReceipt:
        if not images:
            raise PrintFailed("there were no labels to print", "Choose some pupils, then print again.")
        _refuse_unless_ready(queue_status(self.queue))
        pdf = labels_pdf(images, layout, title=title)
        media = self.media or layout.cups_media
        command = ["lp", "-d", self.queue, "-t", title[:100]]
        if media:
            command += ["-o", f"media={media}"]
        submitted = _run(command, data=pdf)
        if submitted.returncode != 0:
            _service_problem(submitted.stderr)
            message = submitted.stderr.strip().removeprefix("lp: ") or f"lp exited with {submitted.returncode}"
            raise PrintFailed(f"the print service refused the job ({message})",
                              "Check the printer's settings, then try again.")
        found = _REQUEST_ID.search(submitted.stdout)
        if not found:
            raise PrintFailed(f"lp did not confirm the job ({submitted.stdout.strip() or 'no answer'})",
                              "Check whether the labels came out before pressing Retry.")
        job = found.group(1)
        if tracker is not None:
            tracker.sent(job)
        pages = -(-len(images) // layout.per_page)
        if self.wait_seconds <= 0:
            return PrintReceipt(self.description, len(images), pages, f"job {job} is in the print queue",
                                finished=False)
        self._follow(job, progress or (lambda _line: None), tracker)
        return PrintReceipt(self.description, len(images), pages, f"job {job} printed (CUPS: completed)")

    def _follow(self, job: str, progress: Progress, tracker: JobTracker | None = None) -> None:
        """Follow the job until CUPS says it completed (return) or it cannot (cancel it, raise PrintFailed)."""
        number = int(job.rsplit("-", 1)[1])
        started = time.monotonic()
        said = trouble = ""
        said_at = 0.0
        told = ("", "")  # the state and trouble the tracker last heard: it hears each change once
        while True:
            try:
                status = job_status(self.queue, number)
            except JobForgotten:
                # CUPS set to keep no job history: it cannot say whether the job completed or was cancelled.
                raise PrintFailed(f"the print service keeps no record of job {job}, so it cannot say whether the "
                                  "labels came out", "Check the printer: if they did not come out, try again. "
                                  "(IT: set PreserveJobHistory Yes in cupsd.conf.)") from None
            except IppUnavailable as exc:
                self._cancel(number)
                raise PrintFailed(f"the print service stopped answering about job {job} ({exc})",
                                  "Check whether the labels came out; if not, try again.") from None
            if tracker is not None and (status.state, trouble_words(status)) != told:
                told = (status.state, trouble_words(status))
                if not status.finished:  # its end is the caller's to record, with the labels it marks
                    tracker.state(*told)
            if status.state == "completed":
                return
            if status.state == "cancelled":
                raise PrintFailed(f"job {job} was cancelled (at the printer or on this PC)",
                                  "Press Retry to print the labels again.", state="cancelled")
            if status.state == "aborted":
                trouble = trouble_words(status) or status.printer_message or "the print service gave up on it"
                raise PrintFailed(f"job {job} failed: {trouble}", OFF_OR_UNREACHABLE_RETRY, state="aborted")
            if status.state == "stopped" or "paused" in status.printer_reasons:
                self._cancel(number)
                queue = queue_status(self.queue)
                # CUPS forgets the reason given when a queue is stopped mid-job ("reason unknown"): then say
                # the last trouble the printer reported.
                given = "" if queue.reason.lower() in ("", "reason unknown") else queue.reason
                why = given or trouble_words(status) or trouble
                raise PrintFailed(f"the print queue is stopped{f' ({why})' if why else ''}; job {job} was cancelled",
                                  "Check the printer (labels, cover, cable), ask IT to restart the queue "
                                  f"(cupsenable {self.queue}), then try again.", state="stopped")
            trouble = trouble_words(status) or trouble
            waited = time.monotonic() - started
            line = waiting_words(status, waited)
            # Each change at once, and a fresh count of the wait every 5 seconds.
            if line.split(" (")[0] != said.split(" (")[0] or int(waited) // 5 != int(said_at) // 5:
                said, said_at = line, waited
                progress(line)
            if waited >= self.wait_seconds:
                self._cancel(number)
                if self._completed(number):  # it finished just as the wait ran out
                    return
                minutes = f"{self.wait_seconds / 60:.0f} minutes" if self.wait_seconds >= 120 else \
                    f"{self.wait_seconds:.0f} seconds"
                problem = (f"{trouble}: job {job} did not finish within {minutes} and was cancelled" if trouble
                           else f"job {job} did not finish within {minutes} and was cancelled")
                raise PrintFailed(problem, OFF_OR_UNREACHABLE_RETRY)
            time.sleep(POLL_SECONDS)

    def _cancel(self, number: int) -> None:
        try:
            cancel_job(self.queue, number)
        except IppUnavailable:
            _run(["cancel", f"{self.queue}-{number}"])  # the command may still reach CUPS; its failure is moot

    def _completed(self, number: int) -> bool:
        try:
            return job_status(self.queue, number).state == "completed"
        except IppUnavailable:
            return False
