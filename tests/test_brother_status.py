"""A Brother QL on the network says how it is before a job is sent: its 32-byte status reply (brother_ql's reader)
becomes the office's words, a printer with no labels or its cover open is refused before anything is sent (a job
sent into a jammed printer is lost), and a model that gives no status is printed to all the same.
"""

from __future__ import annotations

import time

import pytest

from kiosk.labels import BrotherPrinter, PrintFailed, brother_raster, render_tag_label
from kiosk.labels.brother_status import parse_status, read_network_status, status_request
from kiosk.labels.layouts import LAYOUTS
from tests.brother_support import CONTINUOUS_ROLL, COVER_OPEN, NO_MEDIA, READY, FakeBrother
from tests.test_labels_render import labels_for

LAYOUT = LAYOUTS["brother-62x29"]


@pytest.mark.parametrize(("reply", "ready", "trouble", "media"), [
    (READY, True, "", "62 mm × 29 mm die-cut labels"),
    (NO_MEDIA, False, "out of labels (none loaded)", "no labels"),
    (COVER_OPEN, False, "the printer's cover is open", "62 mm × 29 mm die-cut labels"),
    (CONTINUOUS_ROLL, True, "", "62 mm continuous roll"),
])
def test_the_status_reply_becomes_the_office_words(reply, ready, trouble, media):
    status = parse_status(reply)
    assert (status.ready, status.trouble, status.media, status.model) == (ready, trouble, media, "QL-820NWB")


def test_bytes_that_are_not_a_status_reply_are_refused():
    with pytest.raises(ValueError):
        parse_status(b"\x00" * 32)
    with pytest.raises(ValueError):
        parse_status(READY[:20])


def test_the_request_is_brother_qls_own():
    from brother_ql.raster import BrotherQLRaster

    raster = BrotherQLRaster("QL-800")  # 400 invalidate bytes, the most any model wants
    raster.add_invalidate()
    raster.add_initialize()
    raster.add_status_information()
    assert status_request() == bytes(raster.data)


@pytest.mark.parametrize(("reply", "words"), [(READY, ""), (NO_MEDIA, "out of labels"),
                                              (COVER_OPEN, "the printer's cover is open")])
def test_the_status_is_read_over_tcp(reply, words):
    with FakeBrother(reply) as printer:
        status = read_network_status("127.0.0.1", printer.port, timeout=5)
    assert status is not None and words in status.trouble and bool(words) != status.ready


def test_a_printer_that_says_nothing_gives_no_status_within_the_timeout():
    with FakeBrother(None) as printer:
        started = time.monotonic()
        assert read_network_status("127.0.0.1", printer.port, timeout=0.5) is None
        assert time.monotonic() - started < 2


@pytest.mark.parametrize(("reply", "words"), [(NO_MEDIA, "out of labels"),
                                              (COVER_OPEN, "the printer's cover is open"),
                                              (CONTINUOUS_ROLL, "has 62 mm continuous roll loaded")])
def test_a_printer_reporting_a_problem_is_sent_nothing(reply, words):
    image = render_tag_label(labels_for([("Leo Webb", "11B")])[0], LAYOUT)
    with FakeBrother(reply) as printer, pytest.raises(PrintFailed) as failure:
        BrotherPrinter(printer.address, model="QL-820NWB").print_labels([image], LAYOUT, title="x")
    assert words in failure.value.problem and "try again" in failure.value.retry
    assert printer.jobs == []


def test_a_ready_printer_gets_the_raster_and_the_receipt_says_what_it_holds():
    images = [render_tag_label(label, LAYOUT) for label in labels_for([("Leo Webb", "11B"), ("Zoë Hall", "9C")])]
    with FakeBrother(READY) as printer:
        receipt = BrotherPrinter(printer.address, model="QL-820NWB").print_labels(images, LAYOUT, title="x")
        deadline = time.monotonic() + 10
        while not printer.jobs and time.monotonic() < deadline:
            time.sleep(0.05)
    assert printer.jobs == [brother_raster(images, LAYOUT, model="QL-820NWB")]
    assert receipt.detail == f"sent to 127.0.0.1:{printer.port} (printer ready, 62 mm × 29 mm die-cut labels)"
