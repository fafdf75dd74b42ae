"""Printing through CUPS with the ordinary `lp` and `lpstat` commands (pycups needs a compiler to install).

A job goes to a queue only when the queue is enabled and accepting: a job sent to a stopped queue would sit
there and print by surprise when IT restarts it, after the office had already pressed Retry. After `lp`
the job is watched until it leaves the queue; if the printer stops on it, the job is cancelled and the
failure reported, so Retry prints it once.
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
from kiosk.labels.layouts import Layout
from kiosk.labels.printers import PrintFailed, PrintReceipt

COMMAND_TIMEOUT = 30.0  # seconds for one lp/lpstat call
_REQUEST_ID = re.compile(r"request id is (\S+)")
INSTALL_HINT = "Ask IT to install the CUPS printing commands (Debian: cups-bsd, cups-client), then press Retry."


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
                          "Check the PC's print service is running, then press Retry.") from exc
    except OSError as exc:
        raise PrintFailed(f"{command[0]} could not be run ({exc.strerror or exc})", INSTALL_HINT) from exc
    return subprocess.CompletedProcess(result.args, result.returncode,
                                       result.stdout.decode(errors="replace"), result.stderr.decode(errors="replace"))


def _service_problem(stderr: str) -> None:
    text = stderr.lower()
    if "scheduler is not running" in text or "unable to connect" in text or "connection refused" in text:
        raise PrintFailed("the print service (CUPS) is not running on this PC",
                          "Ask IT to start it (systemctl start cups), then press Retry.")


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
                          "Choose a printer that `kiosk printers` lists, then press Retry.")
    enabled, reason = _parse_printers(printer.stdout).get(name, (True, ""))
    accepts = _run(["lpstat", "-a", name])
    accepting, refusal = _parse_accepting(accepts.stdout).get(name, (True, ""))
    return Queue(name=name, enabled=enabled, accepting=accepting, reason=reason or refusal)


def _refuse_unless_ready(queue: Queue) -> None:
    if not queue.enabled:
        raise PrintFailed(f"the printer queue {queue.name!r} is stopped"
                          + (f" ({queue.reason})" if queue.reason else ""),
                          "Check the printer (paper, labels, cover, cable), ask IT to restart the queue "
                          f"(cupsenable {queue.name}), then press Retry.")
    if not queue.accepting:
        raise PrintFailed(f"the printer queue {queue.name!r} is not accepting jobs"
                          + (f" ({queue.reason})" if queue.reason else ""),
                          f"Ask IT to let it accept jobs (cupsaccept {queue.name}), then press Retry.")


class CupsPrinter:
    """A CUPS queue. `media` is the `lp -o media=` value for the stock loaded in this printer; by default the
    layout's own (Custom.62x29mm, w79h252 for a Dymo 99010, A4)."""

    def __init__(self, queue: str, *, media: str | None = None, wait_seconds: float = 20.0) -> None:
        self.queue = queue
        self.media = media or None
        self.wait_seconds = wait_seconds

    @property
    def description(self) -> str:
        return f"CUPS queue {self.queue}"

    def unsuitable(self, layout: Layout) -> str | None:
        return None  # CUPS drivers exist for every layout here

    def print_labels(self, images: Sequence[Image.Image], layout: Layout, *, title: str) -> PrintReceipt:
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
                              "Check the printer's settings, then press Retry.")
        found = _REQUEST_ID.search(submitted.stdout)
        if not found:
            raise PrintFailed(f"lp did not confirm the job ({submitted.stdout.strip() or 'no answer'})",
                              "Check whether the labels came out before pressing Retry.")
        job = found.group(1)
        pages = -(-len(images) // layout.per_page)
        outcome = self._watch(job)
        return PrintReceipt(self.description, len(images), pages, f"job {job} {outcome}")

    def _watch(self, job: str) -> str:
        """Wait for the job to leave the queue. If the printer stops meanwhile, cancel the job and fail."""
        deadline = time.monotonic() + self.wait_seconds
        while True:
            pending = _run(["lpstat", "-W", "not-completed", "-o", self.queue])
            if not any(line.split()[:1] == [job] for line in pending.stdout.splitlines()):
                return "printed"
            queue = queue_status(self.queue)
            if not queue.ready:
                try:
                    _run(["cancel", job])
                except PrintFailed:
                    pass  # no cancel command: the failure below still says what happened
                try:
                    _refuse_unless_ready(queue)
                except PrintFailed as exc:
                    raise PrintFailed(f"{exc.problem}; the job was cancelled", exc.retry) from None
            if time.monotonic() >= deadline:
                return "is in the print queue"  # a long run on a slow printer: CUPS carries on with it
            time.sleep(0.2)
