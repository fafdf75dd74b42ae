"""Brother QL raster: the right bytes for the model and the roll, the printed dots scan back, and every way a
Brother can fail (not plugged in, unreachable, out of labels) is a clear PrintFailed."""

from __future__ import annotations

import os
import socket
import struct
import threading
import time
import tty

import pytest
from brother_ql.conversion import convert
from brother_ql.labels import LabelsManager
from brother_ql.raster import BrotherQLRaster
from PIL import Image

from kiosk.labels import LAYOUTS, BrotherPrinter, PrintFailed, brother_raster, render_tag_label
from tests.test_labels_render import decode, hardest_names, labels_for, scans_as

# Per model: bytes per raster line (the head's dots / 8) and the invalidate preamble brother_ql sends.
MODELS = {"QL-800": (90, 400), "QL-820NWB": (90, 400), "QL-700": (90, 200), "QL-710W": (90, 200)}
# Preamble: invalidate + ESC @, with the mode switch (ESC i a 1) either side where the model has modes.
# Per label: ESC i S, ESC i z (media), ESC i M (autocut), ESC i A (cut every), ESC i K (expanded),
# ESC i d (margins), the raster lines (g 0x00 n + n bytes each), and the print command.
PER_LABEL_COMMANDS = 3 + 13 + 4 + 4 + 4 + 5 + 1


def split_pages(raster: bytes, row_bytes: int) -> list[list[bytes]]:
    """The raster lines of each printed label, read back from the instruction stream."""
    pages, rows, index = [], [], 0
    while index < len(raster):
        if raster[index] == 0x67:  # g: one raster line
            length = raster[index + 2]
            assert length == row_bytes
            rows.append(raster[index + 3:index + 3 + length])
            index += 3 + length
        elif raster[index] == 0x1A:  # print (and feed/cut)
            pages.append(rows)
            rows = []
            index += 1
        else:
            index += 1
    return pages


def media_commands(raster: bytes) -> list[tuple[int, int, int, int]]:
    """(media type, width mm, length mm, raster lines) from each ESC i z command."""
    found, start = [], 0
    while (start := raster.find(b"\x1b\x69\x7a", start)) != -1:
        payload = raster[start + 3:start + 13]
        found.append((payload[1], payload[2], payload[3], struct.unpack("<L", payload[4:8])[0]))
        start += 13
    return found


@pytest.mark.parametrize("model", sorted(MODELS))
def test_a_62x29_label_is_271_raster_lines_of_the_models_head_width(model):
    row_bytes, invalidate = MODELS[model]
    label = labels_for([("Zoë Hall", "9C")])[0]
    image = render_tag_label(label, "brother-62x29")
    assert image.size == (696, 271)
    raster = brother_raster([image], LAYOUTS["brother-62x29"], model=model)
    mode_switch = 4 if BrotherQLRaster(model).model.mode_setting else 0
    assert len(raster) == invalidate + 2 + 2 * mode_switch + PER_LABEL_COMMANDS + 271 * (3 + row_bytes)
    switch = b"\x1b\x69\x61\x01" if mode_switch else b""  # raster mode, on models that have modes
    assert raster.startswith(switch + b"\x00" * invalidate + b"\x1b\x40" + switch)
    assert media_commands(raster) == [(0x0B, 62, 29, 271)]  # die-cut, 62 × 29 mm, 271 lines
    assert [len(rows) for rows in split_pages(raster, row_bytes)] == [271]


@pytest.mark.parametrize("key,roll", [("brother-62x29", "62x29"), ("brother-62", "62")])
def test_brother_layouts_are_exactly_the_rolls_printable_dots(key, roll):
    printable_width, printable_length = LabelsManager()[roll].dots_printable
    assert LAYOUTS[key].brother_label == roll
    assert LAYOUTS[key].size_px[0] == printable_width == 696
    if printable_length:  # die-cut: the length is the label's; continuous: ours to choose
        assert LAYOUTS[key].size_px[1] == printable_length == 271


def test_a_model_that_cannot_take_the_roll_says_so():
    image = render_tag_label(labels_for([("Zoë Hall", "9C")])[0], "brother-62x29")
    with pytest.raises(PrintFailed, match="a Brother QL-1100 cannot print Brother QL 62 × 29 mm"):
        brother_raster([image], LAYOUTS["brother-62x29"], model="QL-1100")  # its shortest label is 301 dots


def test_three_labels_are_three_pages_of_one_job():
    labels = labels_for(hardest_names(3))
    raster = brother_raster([render_tag_label(x, "brother-62x29") for x in labels], LAYOUTS["brother-62x29"],
                            model="QL-800")
    assert media_commands(raster) == [(0x0B, 62, 29, 271)] * 3
    assert raster.count(b"\x00" * 400) == 1  # one preamble for the whole run


@pytest.mark.parametrize(("key", "model"), [("brother-62x29", "QL-820NWB"), ("brother-62", "QL-800"),
                                            ("brother-62x29", "QL-570")])
def test_our_fast_conversion_is_byte_for_byte_brother_qls_own(key, model):
    # brother_ql's own converter and raster (BrotherQLRaster, not ours), on the whole run in one call.
    layout = LAYOUTS[key]
    images = [render_tag_label(label, layout) for label in labels_for(hardest_names(4))]
    reference = convert(BrotherQLRaster(model), images, layout.brother_label, cut=True, rotate="0", dither=False,
                        compress=False, red=False, dpi_600=False, hq=True)
    assert brother_raster(images, layout, model=model) == reference


@pytest.mark.parametrize("key", ["brother-62x29", "brother-62"])
def test_the_dots_the_printer_receives_scan_back_to_the_code(key):
    layout = LAYOUTS[key]
    labels = labels_for(hardest_names(3))
    raster = brother_raster([render_tag_label(label, layout) for label in labels], layout, model="QL-800")
    for rows, label in zip(split_pages(raster, 90), labels, strict=True):
        # 720 head dots a line, set bit = burn a dot; brother_ql mirrors the image for the head.
        printed = Image.frombytes("1", (720, len(rows)), b"".join(rows)).transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        inverted = Image.eval(printed.convert("L"), lambda v: 255 - v)
        assert decode(inverted) == scans_as(label.code)


def test_a_continuous_roll_label_says_continuous_tape():
    image = render_tag_label(labels_for([("Leo Webb", "11B")])[0], "brother-62")
    raster = brother_raster([image], LAYOUTS["brother-62"], model="QL-800")
    assert media_commands(raster) == [(0x0A, 62, 0, 378)]


def test_a_sheet_layout_is_refused_for_a_brother_with_a_clear_message(tmp_path):
    image = render_tag_label(labels_for([("Leo Webb", "11B")])[0], "a4-21")
    with pytest.raises(PrintFailed, match="a4-21 layout is not a Brother QL roll"):
        BrotherPrinter(str(tmp_path / "out.bin")).print_labels([image], LAYOUTS["a4-21"], title="x")


def test_an_unknown_model_is_refused(tmp_path):
    image = render_tag_label(labels_for([("Leo Webb", "11B")])[0], "brother-62x29")
    with pytest.raises(PrintFailed, match="'QL-9999' is not a Brother QL model"):
        BrotherPrinter(str(tmp_path / "out.bin"), model="QL-9999").print_labels(
            [image], LAYOUTS["brother-62x29"], title="x")


def test_the_raster_can_be_saved_to_a_file(tmp_path):
    layout = LAYOUTS["brother-62x29"]
    images = [render_tag_label(label, layout) for label in labels_for(hardest_names(2))]
    receipt = BrotherPrinter(str(tmp_path / "labels.bin"), model="QL-800").print_labels(images, layout, title="x")
    assert (tmp_path / "labels.bin").read_bytes() == brother_raster(images, layout, model="QL-800")
    assert receipt.labels == 2 and "saved" in receipt.detail


def test_a_network_brother_receives_exactly_the_raster():
    # A model that gives no status over the network (tests/brother_support.py): asked, silent, printed to anyway.
    from tests.brother_support import FakeBrother

    layout = LAYOUTS["brother-62x29"]
    images = [render_tag_label(label, layout) for label in labels_for(hardest_names(2))]
    with FakeBrother(None) as printer:
        receipt = BrotherPrinter(printer.address, model="QL-820NWB", status_timeout=0.5).print_labels(
            images, layout, title="x")
        deadline = time.monotonic() + 10
        while not printer.jobs and time.monotonic() < deadline:
            time.sleep(0.05)
    assert printer.jobs == [brother_raster(images, layout, model="QL-820NWB")]
    assert receipt.detail == (f"sent to 127.0.0.1:{printer.port} (the printer gives no status over the network: "
                              "check the labels came out)")


def test_an_unreachable_network_brother_is_a_clear_failure():
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # bound, never listening: the connection is refused
        image = render_tag_label(labels_for([("Leo Webb", "11B")])[0], "brother-62x29")
        with pytest.raises(PrintFailed, match=f"Brother printer at 127.0.0.1:{port} cannot be reached") as failure:
            BrotherPrinter(f"tcp://127.0.0.1:{port}").print_labels([image], LAYOUTS["brother-62x29"], title="x")
    assert "switched on" in failure.value.retry


def test_a_usb_brother_that_is_not_plugged_in_is_a_clear_failure():
    image = render_tag_label(labels_for([("Leo Webb", "11B")])[0], "brother-62x29")
    with pytest.raises(PrintFailed, match="there is no Brother printer at /dev/usb/lp-kiosk-test") as failure:
        BrotherPrinter("/dev/usb/lp-kiosk-test").print_labels([image], LAYOUTS["brother-62x29"], title="x")
    assert "USB cable" in failure.value.retry


def _status(error_1: int = 0, error_2: int = 0, status_type: int = 0x00) -> bytes:
    report = bytearray(32)
    report[0:8] = b"\x80\x20\x42\x34\x38\x30\x30\x00"  # a QL-800's status header
    report[8], report[9] = error_1, error_2
    report[10], report[11], report[17], report[18] = 62, 0x0B, 29, status_type
    return bytes(report)


def _fake_usb_printer(reply: bytes) -> tuple[str, threading.Thread, int]:
    """A character device that behaves like a QL on USB: a pseudo-terminal in raw mode that swallows the
    raster and answers with `reply` once the print command arrives."""
    controller, device = os.openpty()
    tty.setraw(controller)
    tty.setraw(device)
    path = os.ttyname(device)

    def printer() -> None:
        seen = b""
        while not seen.endswith(b"\x1a"):
            seen += os.read(controller, 65536)
        os.write(controller, reply)

    thread = threading.Thread(target=printer, daemon=True)
    thread.start()
    return path, thread, controller


def test_a_usb_brother_out_of_labels_fails_with_the_printers_own_words():
    path, thread, controller = _fake_usb_printer(_status(error_1=0x01, status_type=0x02))
    image = render_tag_label(labels_for([("Leo Webb", "11B")])[0], "brother-62x29")
    try:
        with pytest.raises(PrintFailed, match="the Brother printer reported: No media when printing"):
            BrotherPrinter(path, model="QL-800", status_silence=5).print_labels([image], LAYOUTS["brother-62x29"],
                                                                                title="x")
    finally:
        thread.join(5)
        os.close(controller)


def test_a_usb_brother_that_reports_the_label_printed_is_a_success():
    path, thread, controller = _fake_usb_printer(_status(status_type=0x01))
    image = render_tag_label(labels_for([("Leo Webb", "11B")])[0], "brother-62x29")
    try:
        receipt = BrotherPrinter(path, model="QL-800", status_silence=5).print_labels(
            [image], LAYOUTS["brother-62x29"], title="x")
    finally:
        thread.join(5)
        os.close(controller)
    assert receipt.detail == f"printed 1 on {path}"


def test_only_the_first_label_of_a_run_goes_through_brother_qls_converter(monkeypatch):
    # The rest reuse its page round their own rows (kiosk/labels/brother.py): the converter's millisecond a label
    # is what took a Brother run over 5 ms a label. The byte-for-byte test above proves the pages are the same.
    import brother_ql.conversion

    calls: list[int] = []
    real = brother_ql.conversion.convert

    def counted(*args, **kwargs):
        calls.append(len(args[1]))
        return real(*args, **kwargs)

    monkeypatch.setattr(brother_ql.conversion, "convert", counted)
    layout = LAYOUTS["brother-62"]
    images = [render_tag_label(label, layout) for label in labels_for(hardest_names(5))]
    brother_raster(images, layout, model="QL-800")
    assert calls == [0, 1]  # the preamble, then the first label only
