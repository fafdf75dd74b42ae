"""A real CUPS print service for the label tests: cupsd with a cups-pdf queue (TESTING.md recipe).

Uses the running cupsd, or starts one (`cupsd -f`, as root) and stops it afterwards. Each test gets its own
queue, removed at the end. Jobs printed to a cups-pdf queue land as PDF files in cups-pdf's `Out` directory
(see /etc/cups/cups-pdf.conf). With KIOSK_REQUIRE_CUPS=1 (set by .ci/run) a CUPS that cannot be had is a
failure, never a skip. The tests never install anything: `apt-get install cups cups-bsd
printer-driver-cups-pdf poppler-utils` is the CI script's job.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path

CUPSD = "/usr/sbin/cupsd"
CUPS_PDF_BACKEND = "/usr/lib/cups/backend/cups-pdf"
CUPS_PDF_MODEL = "lsb/usr/cups-pdf/CUPS-PDF_opt.ppd"
CUPS_PDF_CONF = Path("/etc/cups/cups-pdf.conf")
COMMANDS = ("lp", "lpstat", "lpadmin", "cupsenable", "cupsdisable", "cupsreject", "cancel")
_JOB_FILE = re.compile(r"job_(\d+)\.pdf$")


class NoCups(Exception):
    pass


def required() -> bool:
    return os.environ.get("KIOSK_REQUIRE_CUPS") == "1"


def _run(*command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LANG": "C", "LC_ALL": "C"}
    return subprocess.run(list(command), capture_output=True, text=True, check=check, timeout=30, env=env)


def _scheduler_running() -> bool:
    return "scheduler is running" in _run("lpstat", "-r", check=False).stdout


class CupsServer:
    def __init__(self) -> None:
        self._daemon: subprocess.Popen[bytes] | None = None
        self.queues: list[str] = []

    def start(self) -> None:
        missing = [c for c in COMMANDS if shutil.which(c) is None]
        if missing or not Path(CUPSD).exists():
            raise NoCups(f"CUPS is not installed ({', '.join(missing) or 'cupsd'} missing; "
                         "apt-get install cups cups-bsd printer-driver-cups-pdf)")
        if not Path(CUPS_PDF_BACKEND).exists():
            raise NoCups("the cups-pdf backend is not installed (apt-get install printer-driver-cups-pdf)")
        if shutil.which("pdftoppm") is None:
            raise NoCups("pdftoppm is not installed (apt-get install poppler-utils)")
        if _scheduler_running():
            return
        if os.geteuid() != 0:
            raise NoCups("cupsd is not running and only root can start it")
        Path("/run/cups").mkdir(parents=True, exist_ok=True)
        self._daemon = subprocess.Popen([CUPSD, "-f"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not _scheduler_running():
            if self._daemon.poll() is not None or time.monotonic() > deadline:
                raise NoCups("cupsd did not start (see /var/log/cups/error_log)")
            time.sleep(0.1)

    def stop(self) -> None:
        for queue in list(self.queues):
            self.remove_queue(queue)
        if self._daemon is not None:
            self._daemon.terminate()
            try:
                self._daemon.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._daemon.kill()
            self._daemon = None

    def add_pdf_queue(self) -> str:
        """A new cups-pdf queue, enabled and accepting jobs."""
        name = f"KIOSK_TEST_{uuid.uuid4().hex[:8]}"
        result = _run("lpadmin", "-p", name, "-E", "-v", "cups-pdf:/", "-m", CUPS_PDF_MODEL, check=False)
        if result.returncode != 0:
            raise NoCups(f"could not create a cups-pdf queue: {result.stderr.strip()}")
        self.queues.append(name)
        return name

    def add_offline_queue(self) -> str:
        """A queue whose printer is off: its device is a socket to a closed loopback port, so it accepts jobs and
        never finishes them (the cups-pdf model, so `fix_queue` can later plug a working device in)."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]  # closed again when the block ends: nobody listens there
        name = f"KIOSK_OFF_{uuid.uuid4().hex[:8]}"
        result = _run("lpadmin", "-p", name, "-E", "-v", f"socket://127.0.0.1:{port}", "-m", CUPS_PDF_MODEL,
                      check=False)
        if result.returncode != 0:
            raise NoCups(f"could not create an offline queue: {result.stderr.strip()}")
        self.queues.append(name)
        return name

    def fix_queue(self, name: str) -> None:
        """The printer is back: give the queue a device that prints (cups-pdf) and start it."""
        _run("lpadmin", "-p", name, "-v", "cups-pdf:/")
        _run("cupsenable", name)

    def start_queue(self, name: str) -> None:
        _run("cupsenable", name)

    def remove_queue(self, name: str) -> None:
        _run("cancel", "-a", name, check=False)
        _run("lpadmin", "-x", name, check=False)
        if name in self.queues:
            self.queues.remove(name)

    def stop_queue(self, name: str, reason: str) -> None:
        _run("cupsdisable", "-r", reason, name)

    def jobs(self, name: str) -> list[str]:
        return [line.split()[0] for line in _run("lpstat", "-o", name, check=False).stdout.splitlines()
                if line.strip()]

    @staticmethod
    def output_dirs() -> list[Path]:
        """Where cups-pdf may write: its configured `Out` for this user, and its usual defaults."""
        home = os.path.expanduser("~")
        out = "${HOME}/PDF"
        if CUPS_PDF_CONF.exists():
            for line in CUPS_PDF_CONF.read_text().splitlines():
                if line.strip().startswith("Out "):
                    out = line.split(None, 1)[1].strip()
        configured = Path(out.replace("${HOME}", home).replace("$HOME", home))
        return [configured, Path(home) / "PDF", Path("/var/spool/cups-pdf/ANONYMOUS"), Path("/root/PDF")]

    def wait_for_pdf(self, job_id: str, *, since: float, timeout: float = 60.0) -> Path:
        """The PDF cups-pdf wrote for `job_id` (e.g. "KIOSK_TEST_ab12cd34-7") after `since` (a time.time()),
        once the job has finished."""
        number = job_id.rsplit("-", 1)[1]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for folder in self.output_dirs():
                if not folder.is_dir():
                    continue
                for path in folder.iterdir():
                    match = _JOB_FILE.search(path.name)
                    if (match and match.group(1) == number and path.stat().st_mtime >= since - 1
                            and not self.jobs_pending(job_id)):
                        return path
            time.sleep(0.2)
        raise AssertionError(f"cups-pdf wrote no PDF for job {job_id} within {timeout:.0f} s "
                             f"(looked in {', '.join(map(str, self.output_dirs()))})")

    def jobs_pending(self, job_id: str) -> bool:
        queue = job_id.rsplit("-", 1)[0]
        return job_id in self.jobs(queue)
