"""Print-ready files: full A4 sheets and roll labels as PDF pages of the stock's true size, read back with
poppler (pdftoppm, pdfinfo) and zbar exactly as a printer would see them; PNG files for single labels."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from kiosk.labels import LAYOUTS, FilePrinter, PrintFailed, labels_pdf, render_tag_label
from kiosk.labels.layouts import mm_to_pt
from tests import cupsserver
from tests.test_labels_render import decode, hardest_names, labels_for, scans_as

DPI = 300


@pytest.fixture(scope="module")
def poppler():
    missing = [tool for tool in ("pdftoppm", "pdfinfo") if shutil.which(tool) is None]
    if missing:
        reason = f"poppler-utils is not installed ({', '.join(missing)} missing)"
        if cupsserver.required():
            pytest.fail(f"{reason}, but KIOSK_REQUIRE_CUPS=1 requires the print tests to run")
        pytest.skip(reason)


def pdf_pages(pdf: Path, tmp_path: Path) -> list[Image.Image]:
    prefix = tmp_path / "page"
    subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", "-png", str(pdf), str(prefix)], check=True)
    return [Image.open(path).convert("L") for path in sorted(tmp_path.glob("page-*.png"))]


def page_sizes(pdf: Path) -> list[tuple[float, float]]:
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "9999", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    return [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)]


def px(mm: float) -> int:
    return round(mm * DPI / 25.4)


@pytest.mark.parametrize("key", ["a4-21", "a4-24"])
def test_a_full_sheet_pdf_scans_back_label_by_label_at_the_stocks_positions(key, poppler, tmp_path):
    layout = LAYOUTS[key]
    sheet = layout.sheet
    labels = labels_for(hardest_names(sheet.per_sheet + 3))  # a full sheet and the start of the next
    pdf = tmp_path / "labels.pdf"
    pdf.write_bytes(labels_pdf([render_tag_label(label, layout) for label in labels], layout))
    assert page_sizes(pdf) == [(pytest.approx(595.28, abs=0.01), pytest.approx(841.89, abs=0.01))] * 2  # A4
    pages = pdf_pages(pdf, tmp_path)
    assert len(pages) == 2
    for index, label in enumerate(labels):
        page = pages[index // sheet.per_sheet]
        left, top = sheet.cell_mm(index)
        # Cut out exactly this label's cell: every code must be inside its own label, none straddling.
        cell = page.crop((px(left), px(top), px(left + layout.label_mm[0]), px(top + layout.label_mm[1])))
        assert decode(cell) == scans_as(label.code), (index, label.name)
    # The gutters and page margins are blank: nothing printed off the labels.
    first = pages[0].copy()
    for index in range(sheet.per_sheet):
        left, top = sheet.cell_mm(index)
        first.paste(255, (px(left), px(top), px(left + layout.label_mm[0]), px(top + layout.label_mm[1])))
    assert first.getextrema() == (255, 255)


@pytest.mark.parametrize("key", ["brother-62x29", "brother-62", "dymo-99010", "dymo-99012"])
def test_roll_labels_are_one_pdf_page_each_of_the_labels_size_and_scan_back(key, poppler, tmp_path):
    layout = LAYOUTS[key]
    labels = labels_for(hardest_names(3))
    pdf = tmp_path / "labels.pdf"
    pdf.write_bytes(labels_pdf([render_tag_label(label, layout) for label in labels], layout))
    width, height = layout.page_mm
    assert page_sizes(pdf) == [(pytest.approx(mm_to_pt(width), abs=0.01),
                                pytest.approx(mm_to_pt(height), abs=0.01))] * 3
    if layout.page_turn:
        assert height > width  # the Dymo driver's pages are portrait: the label is turned onto them
    for page, label in zip(pdf_pages(pdf, tmp_path), labels, strict=True):
        assert decode(page) == scans_as(label.code)


def test_a_single_label_saves_as_one_png_at_300_dpi(tmp_path):
    label = labels_for([("Minh Nguyễn", "10HA")])[0]
    receipt = FilePrinter(tmp_path / "tag.png").print_labels([render_tag_label(label, "brother-62x29")],
                                                              LAYOUTS["brother-62x29"], title="one")
    assert receipt.files == (tmp_path / "tag.png",)
    with Image.open(tmp_path / "tag.png") as image:
        assert image.size == (696, 271)
        assert round(image.info["dpi"][0]) == 300
        assert decode(image) == scans_as(label.code)


def test_sheets_save_as_numbered_png_pages(tmp_path):
    layout = LAYOUTS["a4-24"]
    labels = labels_for(hardest_names(30))
    receipt = FilePrinter(tmp_path / "sheet.png").print_labels(
        [render_tag_label(label, layout) for label in labels], layout, title="sheets")
    assert [path.name for path in receipt.files] == ["sheet-0001.png", "sheet-0002.png"]
    assert receipt.pages == 2 and receipt.labels == 30
    with Image.open(receipt.files[1]) as second:
        assert second.size == (px(210), px(297))
        assert [code for kind, code in decode(second) if kind == "QRCODE"] != []


def test_a_file_that_cannot_be_saved_is_a_clear_failure_not_a_silent_success(tmp_path):
    layout = LAYOUTS["a4-21"]
    images = [render_tag_label(label, layout) for label in labels_for(hardest_names(2))]
    (tmp_path / "not-a-folder").write_text("a file where a folder should be")
    with pytest.raises(PrintFailed, match="NOT PRINTED: could not save .*labels.pdf") as failure:
        FilePrinter(tmp_path / "not-a-folder" / "labels.pdf").print_labels(images, layout, title="x")
    assert "then save again" in failure.value.retry
    assert list(tmp_path.iterdir()) == [tmp_path / "not-a-folder"]  # no stray half-written files
