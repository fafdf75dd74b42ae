"""Print-ready documents from rendered labels: PDF pages at the stock's true size, sheet pages, PNG files."""

from __future__ import annotations

import io
from collections.abc import Sequence

from PIL import Image

from kiosk.labels.layouts import MM_PER_INCH, Layout, mm_to_pt, mm_to_px
from kiosk.labels.pdf import Page, Placed, write_pdf


def _image_mm(image: Image.Image, layout: Layout) -> tuple[float, float]:
    return image.size[0] * MM_PER_INCH / layout.dpi, image.size[1] * MM_PER_INCH / layout.dpi


def _pages(images: Sequence[Image.Image], layout: Layout) -> list[Page]:
    page_w, page_h = layout.page_mm
    pages: list[Page] = []
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
            pages.append(Page(mm_to_pt(page_w), mm_to_pt(page_h), placed))
        return pages
    for image in images:
        turned = image.transpose(Image.Transpose.ROTATE_90) if layout.page_turn else image
        width, height = _image_mm(turned, layout)
        # A printer's printable area sits centred on its label (Brother: 696 of 732 dots, 271 of 341 rows).
        pages.append(Page(mm_to_pt(page_w), mm_to_pt(page_h),
                          [Placed(turned, mm_to_pt((page_w - width) / 2), mm_to_pt((page_h - height) / 2),
                                  mm_to_pt(width), mm_to_pt(height))]))
    return pages


def labels_pdf(images: Sequence[Image.Image], layout: Layout, *, title: str = "Labels") -> bytes:
    """Sheets: one A4 page per sheet, labels at the stock's positions. Rolls: one page per label, of exactly
    the label's size (turned to the printer's feed direction), ready for `lp -o media=…`."""
    if not images:
        raise ValueError("there are no labels to put in the PDF")
    return write_pdf(_pages(images, layout), title=title)


def sheet_images(images: Sequence[Image.Image], layout: Layout) -> list[Image.Image]:
    """Sheets as bitmaps at the layout's resolution (the PNG output and the on-screen preview)."""
    if not layout.sheet:
        return list(images)
    sheet = layout.sheet
    size = (mm_to_px(sheet.page_mm[0], layout.dpi), mm_to_px(sheet.page_mm[1], layout.dpi))
    pages = []
    for start in range(0, len(images), sheet.per_sheet):
        page = Image.new("1", size, 1)
        for index, image in enumerate(images[start:start + sheet.per_sheet]):
            left, top = sheet.cell_mm(index)
            page.paste(image, (mm_to_px(left, layout.dpi), mm_to_px(top, layout.dpi)))
        pages.append(page)
    return pages


def png_bytes(image: Image.Image, dpi: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", dpi=(dpi, dpi), optimize=False)
    return buffer.getvalue()
