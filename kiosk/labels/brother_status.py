"""Asking a Brother QL how it is: the status request of its raster language (invalidate, ESC @, ESC i S) and its
32-byte reply, read over the network (TCP 9100) with a timeout, and said in the office's words.

The reply is decoded by brother_ql's own reader (brother_ql.reader.interpret_response): byte 8 and 9 are the error
bits (no media, end of media, cutter jam, cover open…), 10 and 17 the media's width and length in mm, 11 its type,
18 the status type. brother_ql itself reads status only over USB; network models (QL-820NWB, QL-1110NWB…) answer
the same request on port 9100, and a model that does not simply says nothing: then the status is unknown, never
a reason to refuse to print.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

STATUS_LENGTH = 32
STATUS_TIMEOUT = 2.0  # seconds to connect and for the reply: a printer that says nothing is not waited on longer
_HEADER = b"\x80\x20\x42"

# brother_ql's error words -> the office's, in the order they matter at the desk.
_TROUBLE = (
    ("No media", "out of labels (none loaded)"),
    ("End of media", "out of labels"),
    ("Media cannot be fed", "out of labels, or the labels cannot be fed"),
    ("Cover opened", "the printer's cover is open"),
    ("Tape cutter jam", "the cutter is jammed"),
    ("Replace media", "the wrong labels are loaded"),
    ("Printer turned off", "the printer is switched off"),
    ("Expansion buffer full", "the printer's memory is full: switch it off and on"),
    ("Transmission", "the printer could not read what was sent"),
    ("System error", "the printer reports a system error: switch it off and on"),
)


@dataclass(frozen=True)
class BrotherStatus:
    """What a Brother QL said of itself."""

    model: str  # "QL-820NWB", as the printer names itself
    media: str  # "62 mm × 29 mm die-cut labels", "62 mm continuous roll", "no labels"
    errors: tuple[str, ...]  # brother_ql's words for each error bit set
    status_type: str  # "Reply to status request", "Printing completed", "Error occurred"…
    width_mm: int = 0
    length_mm: int = 0  # 0 on a continuous roll

    def loaded(self) -> str:
        """brother_ql's name for the labels loaded ("62x29", "62"); "" when none are."""
        if self.media == "no labels":
            return ""
        return f"{self.width_mm}x{self.length_mm}" if self.length_mm else str(self.width_mm)

    @property
    def trouble(self) -> str:
        """What is wrong, in the office's words ("" when nothing is)."""
        said = [words for key, words in _TROUBLE if any(key in error for error in self.errors)]
        if not said and self.media == "no labels":
            said = ["out of labels (none loaded)"]
        if not said and self.errors:
            said = list(self.errors)
        return "; ".join(dict.fromkeys(said))

    @property
    def ready(self) -> bool:
        return not self.trouble


def _brother_ql_reader() -> Callable[[bytes], dict[str, Any]]:
    from brother_ql.reader import interpret_response

    return interpret_response  # type: ignore[no-any-return]


def parse_status(data: bytes) -> BrotherStatus:
    """One 32-byte status reply; ValueError when it is not one."""
    if len(data) < STATUS_LENGTH or not data.startswith(_HEADER):
        raise ValueError("not a Brother QL status reply")
    try:
        status = _brother_ql_reader()(data[:STATUS_LENGTH])
    except NameError as exc:  # brother_ql's word for a reply it cannot read
        raise ValueError(str(exc)) from exc
    width, length, kind = status["media_width"], status["media_length"], status["media_type"]
    if kind == "No media" or not width:
        media = "no labels"
    elif kind == "Die-cut labels":
        media = f"{width} mm × {length} mm die-cut labels"
    elif kind == "Continuous length tape":
        media = f"{width} mm continuous roll"
    else:
        media = f"{width} mm labels"
    return BrotherStatus(model=str(status["model_name"]), media=media, errors=tuple(status["errors"]),
                         status_type=str(status["status_type"]), width_mm=int(width),
                         length_mm=int(length) if kind == "Die-cut labels" else 0)


def status_request(invalidate_bytes: int = 400) -> bytes:
    """Clear the printer's command buffer (as many zeros as the model wants; 400 suits them all), initialise,
    and ask for status: what brother_ql's BrotherQLRaster builds with add_invalidate, add_initialize and
    add_status_information."""
    return b"\x00" * invalidate_bytes + b"\x1b\x40" + b"\x1b\x69\x53"


def read_network_status(host: str, port: int = 9100, *, timeout: float = STATUS_TIMEOUT,
                        invalidate_bytes: int = 400) -> BrotherStatus | None:
    """Ask the printer at host:port for its status. None when it gave none within `timeout` (a model that does not
    answer over the network); OSError when it cannot be reached at all."""
    deadline = time.monotonic() + timeout
    with socket.create_connection((host, port), timeout=timeout) as connection:
        connection.sendall(status_request(invalidate_bytes))
        reply = b""
        while len(reply) < STATUS_LENGTH:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            connection.settimeout(left)
            try:
                chunk = connection.recv(STATUS_LENGTH - len(reply))
            except TimeoutError:
                return None
            if not chunk:
                return None  # it closed without a word
            reply += chunk
    try:
        return parse_status(reply)
    except ValueError:
        return None  # something answered that is not a QL's status: unknown, as with silence
