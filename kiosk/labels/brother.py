"""Brother QL label printers spoken to directly in their raster language (brother-ql-next), no driver needed.

The printer is a USB device path (/dev/usb/lp0), a network printer (tcp://192.168.1.50:9100), or a file the
raster is saved to (to copy to a printer elsewhere, or to inspect). Over USB the printer reports back; an
error it reports (no labels, cover open, wrong roll) fails the print with its own words.
"""

from __future__ import annotations

import os
import select
import socket
import stat
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlparse

from PIL import Image

from kiosk import platform
from kiosk.labels.brother_status import STATUS_TIMEOUT, BrotherStatus, read_network_status
from kiosk.labels.layouts import Layout
from kiosk.labels.printers import JobTracker, PrintFailed, PrintReceipt, Progress

DEFAULT_MODEL = "QL-800"
NETWORK_TIMEOUT = 10.0  # seconds to connect and to send
STATUS_SILENCE = 5.0  # seconds without a word from a USB printer before we stop listening
STATUS_LENGTH = 32
_INVERTED = bytes(255 - value for value in range(256))

# A USB printer device must not become this process's controlling terminal (POSIX); Windows has no such flag.
NOT_A_TERMINAL = getattr(os, "O_NOCTTY", 0)


def _brother_ql() -> SimpleNamespace:
    # Imported when used, so a desk without Brother printers never loads it.
    try:
        from brother_ql.conversion import convert
        from brother_ql.exceptions import BrotherQLError
        from brother_ql.models import ModelsManager
        from brother_ql.raster import BrotherQLRaster
        from brother_ql.reader import interpret_response
    except ImportError as exc:  # pragma: no cover - the package is a dependency
        raise PrintFailed("the brother-ql-next package is not installed",
                          "Ask IT to reinstall the kiosk, then try again.") from exc
    from brother_ql.labels import LabelsManager

    return SimpleNamespace(convert=convert, error=BrotherQLError, models=ModelsManager, raster=BrotherQLRaster,
                           interpret_response=interpret_response, labels=LabelsManager)


def brother_models() -> list[str]:
    return list(_brother_ql().models().identifiers())


def brother_raster(images: Sequence[Image.Image], layout: Layout, *, model: str = DEFAULT_MODEL,
                   cut: bool = True) -> bytes:
    """The printer's raster instructions for these labels: one page each, cut after each (die-cut labels
    are cut between labels; a continuous roll is cut to length)."""
    return b"".join(brother_raster_parts(images, layout, model=model, cut=cut))


def brother_raster_parts(images: Sequence[Image.Image], layout: Layout, *, model: str = DEFAULT_MODEL,
                         cut: bool = True) -> Iterator[bytes]:
    """brother_raster in pieces (the preamble, then each label's page), each label drawn as it is converted:
    a run of 2,000 goes to the printer or the file without ever being held whole."""
    ql = _brother_ql()
    if model not in brother_models():
        raise PrintFailed(f"{model!r} is not a Brother QL model this kiosk knows",
                          f"Choose one of {', '.join(brother_models())} in the settings, then try again.")
    if not layout.brother_label:
        raise PrintFailed(f"the {layout.key} layout is not a Brother QL roll",
                          "Choose brother-62x29 or brother-62 for a Brother printer, then try again.")
    def instructions(page: list[Image.Image]) -> bytes:
        raster = ql.raster(model)
        raster.exception_on_warning = True
        # Our bitmaps are already 1-bit at the head's resolution: no dithering, no rotation, no rescaling.
        try:
            return bytes(ql.convert(raster, page, layout.brother_label, cut=cut, rotate="0", dither=False,
                                    compress=False, red=False, dpi_600=False, hq=True))
        except ql.error as exc:
            raise PrintFailed(f"a Brother {model} cannot print {layout.title} ({exc})",
                              "Choose a layout this printer takes, or set the right model, then try again.") from exc

    # brother_ql appends each page to one growing bytes object (quadratic: 11 ms a label at 1,500 labels), and
    # spends a millisecond a label turning our 1-bit bitmap to grey and back and writing it row by row. Its pages
    # carry no state from one to the next and, for labels of one size, differ only in their rows: so the first
    # label is converted by brother_ql, its page split round its rows (found by packing them ourselves), and every
    # label is that page's head, its own rows, that page's tail. A test checks the run is byte-for-byte what
    # brother_ql gives for the whole run in one call.
    preamble = instructions([])
    yield preamble
    template: tuple[bytes, bytes] | None = None
    pack = _row_packer(ql, layout, model)
    for index, image in enumerate(images):
        if image.size != layout.size_px:
            raise ValueError(f"a {layout.key} label must be {layout.size_px}, not {image.size}")
        if index == 0:
            page = instructions([image])
            if not page.startswith(preamble):  # pragma: no cover - a brother_ql change would show here
                raise RuntimeError("brother_ql's raster preamble changed: convert the pages in one call")
            page = page[len(preamble):]
            rows = pack(image)
            at = page.find(rows) if rows else -1
            if at > 0 and page.count(rows) == 1:
                template = (page[:at], page[at + len(rows):])
            yield page
        elif template is None:  # pragma: no cover - brother_ql wrote rows some other way: its way throughout
            yield instructions([image])[len(preamble):]
        else:
            yield template[0] + pack(image) + template[1]


def _row_packer(ql: SimpleNamespace, layout: Layout, model: str) -> Callable[[Image.Image], bytes]:
    """Our label's raster rows as brother_ql writes them uncompressed: the bitmap set against the head's right edge
    (less the label's and the model's offset), ink as 1, mirrored for the head, each row "g 0 n" and n bytes."""
    head = ql.raster(model)
    width = head.get_pixel_width()
    spec = ql.labels()[layout.brother_label]
    right = spec.offset_r + head.model.additional_offset_r
    row = width // 8
    prefix = b"\x67\x00" + bytes([row])

    def pack(image: Image.Image) -> bytes:
        canvas = Image.new("1", (width, image.size[1]), 1)
        canvas.paste(image, (width - image.size[0] - right, 0))
        # "1;R" packs each byte least significant bit first: read backwards, a row is the mirrored row packed
        # most significant bit first, which is what the head wants (and twice as fast as packing "1"); every byte
        # inverted, ink is 1.
        packed = canvas.tobytes("raw", "1;R").translate(_INVERTED)
        return b"".join(prefix + packed[at:at + row][::-1] for at in range(0, len(packed) - row + 1, row))

    return pack


class BrotherPrinter:
    def __init__(self, target: str, *, model: str = DEFAULT_MODEL, status_silence: float = STATUS_SILENCE,
                 status_timeout: float = STATUS_TIMEOUT) -> None:
        self.target = target.strip()
        self.model = model
        self.status_silence = status_silence
        self.status_timeout = status_timeout  # how long a network printer is given to say how it is

    @property
    def description(self) -> str:
        return f"Brother {self.model} at {self.target}"

    def unsuitable(self, layout: Layout) -> str | None:
        if not layout.brother_label:
            return f"the {layout.key} layout is not a Brother QL roll (use brother-62x29 or brother-62)"
        return None

    def print_labels(self, images: Sequence[Image.Image], layout: Layout, *, title: str,
                     progress: Progress | None = None, tracker: JobTracker | None = None) -> PrintReceipt:
        if reason := self.unsuitable(layout):
            raise PrintFailed(reason, "Choose a Brother layout on the Labels screen, then print again.")
        if not images:
            raise PrintFailed("there were no labels to print", "Choose some pupils, then print again.")
        data = brother_raster_parts(images, layout, model=self.model)
        if self.target.startswith("tcp://"):
            said = self._ready_on_network(layout)  # before anything is sent: a job into a jammed printer is lost
            if tracker is not None:
                tracker.sent(self.target)
            detail = self._send_network(data) + said
            return PrintReceipt(self.description, len(images), len(images), detail)
        if tracker is not None:
            tracker.sent(self.target)
        if self.target.startswith(("/dev/", "file:///dev/")):
            detail = self._send_device(self.target.removeprefix("file://"), data, len(images))
        else:
            detail = self._save(Path(self.target).expanduser(), data)
        return PrintReceipt(self.description, len(images), len(images), detail)

    def _ready_on_network(self, layout: Layout) -> str:
        """Ask the printer how it is: PrintFailed, in the office's words, when it reports a problem or holds other
        labels than the layout's; otherwise a few words for the receipt (its labels, or that it gave no status)."""
        address = urlparse(self.target)
        host, port = address.hostname, address.port or 9100
        if not host:
            return ""  # _send_network says what is wrong with the address
        try:
            status = read_network_status(host, port, timeout=self.status_timeout)
        except OSError as exc:
            raise PrintFailed(f"the Brother printer at {host}:{port} cannot be reached ({exc.strerror or exc})",
                              "Check it is switched on and connected to the network, then try again.") from exc
        if status is None:
            return " (the printer gives no status over the network: check the labels came out)"
        self._refuse_unless_ready(status, layout, f"{host}:{port}")
        return f" (printer ready, {status.media})"

    def _refuse_unless_ready(self, status: BrotherStatus, layout: Layout, where: str) -> None:
        if status.trouble:
            raise PrintFailed(f"the Brother printer at {where} reports: {status.trouble}",
                              "Fix the printer (labels loaded, cover shut, nothing jammed), then try again.")
        if layout.brother_label and status.loaded() and status.loaded() != layout.brother_label:
            raise PrintFailed(f"the Brother printer at {where} has {status.media} loaded, not the "
                              f"{layout.title}", "Load the right labels, or choose the layout for those loaded, "
                              "then try again.")

    def _send_network(self, data: Iterable[bytes]) -> str:
        address = urlparse(self.target)
        host, port = address.hostname, address.port or 9100
        if not host:
            raise PrintFailed(f"{self.target} is not a printer address like tcp://192.168.1.50:9100",
                              "Correct the printer address in the settings, then try again.")
        try:
            with socket.create_connection((host, port), timeout=NETWORK_TIMEOUT) as connection:
                for part in data:
                    connection.sendall(part)
                connection.shutdown(socket.SHUT_WR)
        except OSError as exc:
            raise PrintFailed(f"the Brother printer at {host}:{port} cannot be reached ({exc.strerror or exc})",
                              "Check it is switched on and connected to the network, then try again.") from exc
        return f"sent to {host}:{port}"

    def _send_device(self, path: str, data: Iterable[bytes], labels: int) -> str:
        try:
            fd = os.open(path, os.O_RDWR | NOT_A_TERMINAL)
        except FileNotFoundError as exc:
            raise PrintFailed(f"there is no Brother printer at {path}",
                              "Check it is switched on and its USB cable is plugged in, then try again.") from exc
        except PermissionError as exc:
            raise PrintFailed(f"this PC's user may not use the printer at {path}",
                              "Ask IT to add the kiosk's user to the 'lp' group, then try again.") from exc
        except OSError as exc:
            raise PrintFailed(f"the printer at {path} cannot be opened ({exc.strerror or exc})",
                              "Switch the printer off and on, then try again.") from exc
        try:
            for part in data:
                view = memoryview(part)
                while view:
                    view = view[os.write(fd, view):]
            if stat.S_ISCHR(os.fstat(fd).st_mode):
                return self._listen(fd, path, labels)
            return f"sent to {path}"
        except OSError as exc:
            raise PrintFailed(f"the printer at {path} stopped responding ({exc.strerror or exc})",
                              "Check the printer and its cable, then try again.") from exc
        finally:
            os.close(fd)

    def _listen(self, fd: int, path: str, labels: int) -> str:
        """Read the printer's status reports until every label is printed, an error, or silence."""
        interpret_response = _brother_ql().interpret_response
        buffer, printed = b"", 0
        last_heard = time.monotonic()
        while printed < labels and time.monotonic() - last_heard < self.status_silence:
            ready, _, _ = select.select([fd], [], [], 0.1)
            if not ready:
                continue
            chunk = os.read(fd, 256)
            if not chunk:
                time.sleep(0.05)
                continue
            last_heard = time.monotonic()
            buffer += chunk
            while len(buffer) >= STATUS_LENGTH:
                report, buffer = buffer[:STATUS_LENGTH], buffer[STATUS_LENGTH:]
                try:
                    status = interpret_response(report)
                except (NameError, ValueError):
                    continue  # not a status report: ignore it
                if status["errors"]:
                    raise PrintFailed(f"the Brother printer reported: {', '.join(status['errors'])}"
                                      + (f" after {printed} of {labels} labels" if printed else ""),
                                      "Fix the printer (labels loaded, cover shut), then try again.")
                if status["status_type"] == "Printing completed":
                    printed += 1
        if printed >= labels:
            return f"printed {printed} on {path}"
        return f"sent to {path} (the printer confirmed {printed} of {labels})"

    def _save(self, path: Path, data: Iterable[bytes]) -> str:
        try:
            platform.private_folder(path.parent)
            # Whole or not at all (kiosk.platform), written label by label.
            with platform.replacing_privately(path) as temporary, open(temporary, "wb") as out:
                for part in data:
                    out.write(part)
        except OSError as exc:
            raise PrintFailed(f"could not save the Brother raster to {path} ({exc.strerror or exc})",
                              "Check the folder exists and has space, then try again.") from exc
        return f"raster saved to {path}"
