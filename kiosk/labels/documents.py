"""Print-ready documents from rendered labels: PDF pages at the stock's true size, sheet pages, PNG files."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence

from PIL import Image

from kiosk.labels.layouts import MM_PER_INCH, Layout, mm_to_pt, mm_to_px
from kiosk.labels.pdf import Page, Placed, write_pdf


def _image_mm(image: Image.Image, layout: Layout) -> tuple[float, float]:
    return image.size[0] * MM_PER_INCH / layout.dpi, image.size[1] * MM_PER_INCH / layout.dpi


def _pages(images: Sequence[Image.Image], layout: Layout) -> Iterator[Page]:
    """The PDF's pages one at a time: a page's labels are drawn (when `images` draws on reading) only as the
    page is written, and let go after it."""
    page_w, page_h = layout.page_mm
    if layout.sheet:
        sheet = layout.sheet
        for start in range(0, len(images), sheet.per_sheet):
            placed = []
            for index, image in enumerate(images[start:start + sheet.per_sheet]):
                left, top = sheet.cell_mm(index)
                width, height = _image_mm(image, layout)
                # Centred in its cell (an image of exactly the label's size fills it).
                left += (layout.label_mm[0] - width) / 2
                top += (layout.label_mm[1] - height) / 2
                placed.append(Placed(image, mm_to_pt(left), mm_to_pt(top), mm_to_pt(width), mm_to_pt(height)))
            yield Page(mm_to_pt(page_w), mm_to_pt(page_h), placed)
        return
    for image in images:
        width, height = _image_mm(image, layout)
        if layout.page_turn:  # turned to the feed direction by the PDF (Placed.turn), not dot by dot
            width, height = height, width
        # A printer's printable area sits centred on its label (Brother: 696 of 732 dots, 271 of 341 rows).
        yield Page(mm_to_pt(page_w), mm_to_pt(page_h),
                   [Placed(image, mm_to_pt((page_w - width) / 2), mm_to_pt((page_h - height) / 2),
                           mm_to_pt(width), mm_to_pt(height), turn=90 if layout.page_turn else 0)])


def labels_pdf(images: Sequence[Image.Image], layout: Layout, *, title: str = "Labels") -> bytes:
    """Sheets: one A4 page per sheet, labels at the stock's positions. Rolls: one page per label, of exactly
    the label's size (turned to the printer's feed direction), ready for `lp -o media=…`."""
    if not images:
        raise ValueError("there are no labels to put in the PDF")
    return write_pdf(_pages(images, layout), title=title)


def sheet_images(images: Sequence[Image.Image], layout: Layout) -> list[Image.Image]:
    """Sheets as bitmaps at the layout's resolution (the PNG output and the on-screen preview)."""
    return list(each_sheet_image(images, layout))


def sheet_count(labels: int, layout: Layout) -> int:
    return -(-labels // layout.per_page) if layout.sheet else labels


def each_sheet_image(images: Sequence[Image.Image], layout: Layout) -> Iterator[Image.Image]:
    """sheet_images one at a time, for a file per sheet without holding the run."""
    if not layout.sheet:
        yield from images
        return
    sheet = layout.sheet
    size = (mm_to_px(sheet.page_mm[0], layout.dpi), mm_to_px(sheet.page_mm[1], layout.dpi))
    for start in range(0, len(images), sheet.per_sheet):
        page = Image.new("1", size, 1)
        for index, image in enumerate(images[start:start + sheet.per_sheet]):
            left, top = sheet.cell_mm(index)
            page.paste(image, (mm_to_px(left, layout.dpi), mm_to_px(top, layout.dpi)))
        yield page


def png_bytes(image: Image.Image, dpi: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", dpi=(dpi, dpi), optimize=False)
    return buffer.getvalue()
