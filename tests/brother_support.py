"""A Brother QL on the network, played by a loopback TCP server: it answers the status request (invalidate, ESC @,
ESC i S) with the 32 bytes it is given, or with nothing (a model that gives no status over the network), and keeps
what each connection sent, so a test sees whether a job's raster reached it.

The replies are laid out as Brother's raster command reference documents the status information (and as
brother_ql.reader reads it): 80 20 42 34, model code (0x41: QL-820NWB), 30 00 00, error information 1 and 2, media
width (mm), media type (0x0B die-cut, 0x0A continuous, 0x00 none), 00 00 15 00 00, media length (mm), status type
(00 reply to a status request, 02 error occurred), phase (00 waiting to receive), then zeros.
"""

from __future__ import annotations

import socket
import threading

STATUS_REQUEST = b"\x1b\x40\x1b\x69\x53"


def status_reply(*, error1: int = 0, error2: int = 0, width: int = 62, media: int = 0x0B, length: int = 29,
                 status_type: int = 0x00, model: int = 0x41) -> bytes:
    reply = bytes([0x80, 0x20, 0x42, 0x34, model, 0x30, 0x00, 0x00, error1, error2, width, media, 0x00, 0x00, 0x15,
                   0x00, 0x00, length, status_type, 0x00]) + bytes(12)
    assert len(reply) == 32
    return reply


READY = status_reply()  # 62 × 29 mm die-cut labels loaded, no error
NO_MEDIA = status_reply(error1=0x01, width=0, media=0x00, length=0, status_type=0x02)
COVER_OPEN = status_reply(error2=0x10, status_type=0x02)
CONTINUOUS_ROLL = status_reply(media=0x0A, length=0)


class FakeBrother:
    """Listens on 127.0.0.1:port until closed; `status`: the reply to a status request (None: say nothing)."""

    def __init__(self, status: bytes | None) -> None:
        self.status = status
        self.connections: list[bytes] = []  # what each connection sent, in order
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(4)
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def address(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    @property
    def jobs(self) -> list[bytes]:
        """What came to it other than status requests: the raster of each print."""
        return [data for data in self.connections if not data.endswith(STATUS_REQUEST)]

    def _serve(self) -> None:
        while self.running:
            try:
                connection, _ = self.server.accept()
            except OSError:
                continue
            with connection:
                connection.settimeout(10)
                received = bytearray()
                while True:
                    try:
                        chunk = connection.recv(65536)
                    except OSError:
                        break
                    if not chunk:
                        break
                    received.extend(chunk)
                    # A printer keeps the connection open; the kiosk closes it once answered (or tired of waiting).
                    if received.endswith(STATUS_REQUEST) and self.status is not None:
                        connection.sendall(self.status)
                self.connections.append(bytes(received))

    def close(self) -> None:
        self.running = False
        self.thread.join(5)
        self.server.close()

    def __enter__(self) -> FakeBrother:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
