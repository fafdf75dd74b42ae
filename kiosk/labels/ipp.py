"""Asking CUPS how one print job is getting on, over IPP (Get-Job-Attributes), with nothing but the standard library.

`lpstat` cannot tell a completed job from a cancelled one (both leave the queue with the same alert), and
`ipptool` is an optional package, so the few bytes of IPP are spoken here: RFC 8010 encoding, POSTed to the same
CUPS server the `lp` command uses (CUPS_SERVER, else the local socket, else localhost:631).
"""

from __future__ import annotations

import getpass
import http.client
import os
import socket
import struct
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

# RFC 8011 job-state values, in the office's words where a word is needed.
JOB_STATES = {3: "pending", 4: "held", 5: "processing", 6: "stopped", 7: "cancelled", 8: "aborted",
              9: "completed"}
FINISHED = frozenset({"completed", "cancelled", "aborted"})
TIMEOUT = 10.0  # seconds for one question to the print service

_GET_JOB_ATTRIBUTES = 0x0009
_GET_PRINTER_ATTRIBUTES = 0x000B
_CANCEL_JOB = 0x0008
_OPERATION, _END = 0x01, 0x03
_NOT_FOUND = 0x0406  # client-error-not-found
_INTEGER, _ENUM, _BOOLEAN = 0x21, 0x23, 0x22
_TEXT, _NAME, _KEYWORD, _URI, _CHARSET, _LANGUAGE = 0x41, 0x42, 0x44, 0x45, 0x47, 0x48


class IppUnavailable(Exception):
    """The print service could not be asked (not running, refused, or an answer that is not IPP)."""


class JobForgotten(IppUnavailable):
    """CUPS has no such job (any more): a server that keeps no job history forgets a job once it ends."""


@dataclass(frozen=True)
class JobStatus:
    """One job as CUPS reports it now, and the state of the printer it is on."""

    state: str  # JOB_STATES' words
    reasons: tuple[str, ...]  # job-state-reasons, e.g. ("job-canceled-by-user",)
    printer_reasons: tuple[str, ...]  # the printer's: "media-empty-error", "offline-report", "paused"…
    printer_message: str  # the printer's own words, e.g. "The printer may not exist or is unavailable at this time."
    pages_done: int = 0  # job-impressions-completed, where the driver counts them

    @property
    def finished(self) -> bool:
        return self.state in FINISHED


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self) -> None:
        if sys.platform == "win32":  # CUPS has no local socket on Windows: the spooler prints there
            raise OSError("no CUPS socket on Windows")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


def _server() -> str:
    """Where `lp` sends jobs: CUPS_SERVER, client.conf's ServerName, the local socket, or localhost:631."""
    named = os.environ.get("CUPS_SERVER", "").strip()
    if not named:
        for conf in (Path.home() / ".cups" / "client.conf", Path("/etc/cups/client.conf")):
            try:
                for line in conf.read_text().splitlines():
                    if line.strip().lower().startswith("servername "):
                        named = line.split(None, 1)[1].strip()
            except OSError:
                continue
            if named:
                break
    if not named:
        for path in ("/run/cups/cups.sock", "/var/run/cups/cups.sock"):
            if Path(path).exists():
                return path
        return "localhost:631"
    return named


def _connection(server: str) -> http.client.HTTPConnection:
    if server.startswith("/"):
        return _UnixConnection(server, TIMEOUT)
    host, _, port = server.rpartition(":") if server.count(":") == 1 else (server, "", "")
    return http.client.HTTPConnection(host or server, int(port) if port.isdigit() else 631, timeout=TIMEOUT)


def _attribute(tag: int, name: str, value: bytes) -> bytes:
    raw = name.encode()
    return struct.pack(">BH", tag, len(raw)) + raw + struct.pack(">H", len(value)) + value


def _request(operation: int, attributes: list[tuple[int, str, bytes]]) -> bytes:
    body = struct.pack(">BBHI", 2, 0, operation, 1) + bytes([_OPERATION])
    body += _attribute(_CHARSET, "attributes-charset", b"utf-8")
    body += _attribute(_LANGUAGE, "attributes-natural-language", b"en")
    for tag, name, value in attributes:
        body += _attribute(tag, name, value)
    return body + bytes([_END])


def _decode(answer: bytes) -> tuple[int, dict[str, list[object]]]:
    """The status code and every attribute (all groups together) of an IPP response."""
    if len(answer) < 8:
        raise IppUnavailable("the print service's answer was cut short")
    status = struct.unpack(">H", answer[2:4])[0]
    found: dict[str, list[object]] = {}
    at, last = 8, ""
    while at < len(answer):
        tag = answer[at]
        at += 1
        if tag == _END:
            break
        if tag < 0x10:  # the start of another group
            continue
        name_length = struct.unpack(">H", answer[at:at + 2])[0]
        name = answer[at + 2:at + 2 + name_length].decode(errors="replace")
        at += 2 + name_length
        value_length = struct.unpack(">H", answer[at:at + 2])[0]
        raw = answer[at + 2:at + 2 + value_length]
        at += 2 + value_length
        value: object
        if tag in (_INTEGER, _ENUM) and value_length == 4:
            value = struct.unpack(">i", raw)[0]
        elif tag == _BOOLEAN:
            value = raw == b"\x01"
        else:
            value = raw.decode(errors="replace")
        last = name or last  # an empty name is one more value of the attribute before
        found.setdefault(last, []).append(value)
    return status, found


def _ask(queue: str, operation: int, attributes: list[tuple[int, str, bytes]]) -> dict[str, list[object]]:
    server = _server()
    path = f"/printers/{quote(queue, safe='')}"
    uri = f"ipp://localhost{path}".encode()
    body = _request(operation, [(_URI, "printer-uri", uri), *attributes])
    connection = _connection(server)
    try:
        connection.request("POST", path, body=body, headers={"Content-Type": "application/ipp"})
        response = connection.getresponse()
        answer = response.read()
    except (OSError, http.client.HTTPException) as exc:
        raise IppUnavailable(f"the print service at {server} did not answer ({exc})") from exc
    finally:
        connection.close()
    if response.status != 200:
        raise IppUnavailable(f"the print service answered HTTP {response.status}")
    status, found = _decode(answer)
    if status == _NOT_FOUND:
        raise JobForgotten("the print service has no record of that job")
    if status >= 0x0400:
        raise IppUnavailable(f"the print service refused the question (IPP status {status:#06x})")
    return found


def _user() -> bytes:
    try:
        return getpass.getuser().encode()
    except Exception:  # no user name in a service's environment: CUPS still answers for the job's state
        return b"kiosk"


def job_status(queue: str, job_number: int) -> JobStatus:
    """The state of job `job_number` on `queue` and of its printer; IppUnavailable if CUPS cannot be asked."""
    wanted = [b"job-state", b"job-state-reasons", b"job-printer-state-message", b"job-printer-state-reasons",
              b"job-impressions-completed"]
    asked = [(_INTEGER, "job-id", struct.pack(">i", job_number)), (_NAME, "requesting-user-name", _user())]
    asked += [(_KEYWORD, "requested-attributes" if n == 0 else "", k) for n, k in enumerate(wanted)]
    job = _ask(queue, _GET_JOB_ATTRIBUTES, asked)
    printer = _ask(queue, _GET_PRINTER_ATTRIBUTES, [
        (_NAME, "requesting-user-name", _user()),
        (_KEYWORD, "requested-attributes", b"printer-state-reasons"), (_KEYWORD, "", b"printer-state-message")])
    state = job.get("job-state", [0])[0]
    if not isinstance(state, int) or state not in JOB_STATES:
        raise IppUnavailable(f"the print service did not say how job {job_number} is getting on")
    reasons = tuple(str(r) for r in printer.get("printer-state-reasons", []) if r != "none")
    reasons += tuple(str(r) for r in job.get("job-printer-state-reasons", []) if r != "none" and r not in reasons)
    message = str((printer.get("printer-state-message") or job.get("job-printer-state-message") or [""])[0])
    done = job.get("job-impressions-completed", [0])[0]
    return JobStatus(state=JOB_STATES[state], reasons=tuple(str(r) for r in job.get("job-state-reasons", [])),
                     printer_reasons=reasons, printer_message=message,
                     pages_done=done if isinstance(done, int) else 0)


def cancel_job(queue: str, job_number: int) -> None:
    """Cancel the job (so a Retry does not print it twice); IppUnavailable if CUPS cannot be asked."""
    _ask(queue, _CANCEL_JOB, [(_INTEGER, "job-id", struct.pack(">i", job_number)),
                              (_NAME, "requesting-user-name", _user())])
