"""A Dymo job on the real CUPS queue, through the CUPS Dymo driver (printer-driver-dymo, its LabelWriter 450 PPD),
arrives at the printer with the page size of the labels: the kiosk's media names for the 99010 and 99012 (w79h252,
w102h252) are ones the driver offers, so the driver's raster sets the label length (ESC L, in 300 dpi dot rows) to
the label's, not to A4 or to the driver's default label. The "printer" is a loopback socket the queue's device
points at, which keeps the bytes the driver sent.
"""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import uuid
from pathlib import Path

import pytest

from kiosk.labels import CupsPrinter, render_tag_label
from kiosk.labels.layouts import LAYOUTS
from tests.test_labels_render import labels_for

DYMO_DRIVER = Path("/usr/lib/cups/driver/dymo")
LW450 = "dymo:0/cups/model/lw450.ppd"


def label_length_dots(raster: bytes) -> int:
    """The first Set Label Length (ESC L, two bytes, high first) after the driver's run of ESC synchronisation."""
    start = 0
    while raster[start:start + 2] == b"\x1b\x1b":
        start += 1
    at = raster.index(b"\x1bL", start)
    return raster[at + 2] * 256 + raster[at + 3]


def ppd_label_length_dots(page_size: str) -> int:
    """The page's length in 300 dpi dots as the driver's PPD gives it (*PaperDimension, in points)."""
    ppd = subprocess.run([str(DYMO_DRIVER), "cat", LW450], capture_output=True, text=True, check=True).stdout
    for line in ppd.splitlines():
        if line.startswith(f"*PaperDimension {page_size}/"):
            return int(float(line.split('"')[1].split()[1]) * 300 / 72)
    raise AssertionError(f"the lw450 PPD has no page size {page_size}")


@pytest.fixture
def dymo_queue(cups):
    if not DYMO_DRIVER.exists():
        if os.environ.get("KIOSK_REQUIRE_CUPS") == "1":
            pytest.fail("the CUPS Dymo driver is required here: apt-get install printer-driver-dymo")
        pytest.skip("the CUPS Dymo driver is not installed (apt-get install printer-driver-dymo)")
    received: list[bytes] = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(2)
    server.settimeout(0.2)
    running = True

    def printer() -> None:
        while running:
            try:
                connection, _ = server.accept()
            except OSError:
                continue
            with connection:
                data = bytearray()
                while chunk := connection.recv(65536):
                    data.extend(chunk)
                received.append(bytes(data))

    thread = threading.Thread(target=printer, daemon=True)
    thread.start()
    name = f"KIOSK_DYMO_{uuid.uuid4().hex[:8]}"
    subprocess.run(["lpadmin", "-p", name, "-E", "-v", f"socket://127.0.0.1:{server.getsockname()[1]}", "-m",
                    LW450], check=True, capture_output=True)
    cups.queues.append(name)
    yield name, received
    cups.remove_queue(name)
    running = False
    thread.join(5)
    server.close()


@pytest.mark.parametrize(("layout_key", "page_size"), [("dymo-99010", "w79h252"), ("dymo-99012", "w102h252")])
def test_a_dymo_job_reaches_the_printer_at_the_labels_page_size(dymo_queue, layout_key, page_size):
    queue, received = dymo_queue
    layout = LAYOUTS[layout_key]
    assert layout.cups_media == page_size
    image = render_tag_label(labels_for([("Leo Webb", "11B")])[0], layout)
    receipt = CupsPrinter(queue, wait_seconds=60).print_labels([image], layout, title="Phone tags - test")
    assert "completed" in receipt.detail
    [raster] = received
    # (the driver rounds the page's 300 dpi length down: 251.04 pt is 1046.0 dots, and it sends 1045)
    assert abs(label_length_dots(raster) - ppd_label_length_dots(page_size)) <= 2
    assert abs(label_length_dots(raster) - layout.label_mm[0] / 25.4 * 300) < 12  # 89 mm: the label, not A4


def test_a_media_name_the_driver_does_not_offer_comes_out_at_another_size(dymo_queue):
    # The control: the same label with a media name the Dymo driver lacks (A4, as before issue 17) is not the label.
    queue, received = dymo_queue
    layout = LAYOUTS["dymo-99010"]
    image = render_tag_label(labels_for([("Leo Webb", "11B")])[0], layout)
    CupsPrinter(queue, media="A4", wait_seconds=60).print_labels([image], layout, title="Phone tags - test")
    [raster] = received
    assert abs(label_length_dots(raster) - ppd_label_length_dots("w79h252")) > 100
