"""A small PDF writer: pages of exact sizes with 1-bit images placed on them, nothing else.

Pillow's PDF output sizes each page to its image; a label sheet needs an A4 page with 21 images at the
stock's published positions, and a roll label needs a page of exactly the label's size. 1-bit images keep
bars sharp (no resampling greys) and the file small.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from PIL import Image


@dataclass(frozen=True)
class Placed:
    """An image on a page: its top-left corner and its size, in points from the page's top-left corner (the size
    it takes on the page: with `turn`, the image's own width runs up the page)."""

    image: Image.Image
    left: float
    top: float
    width: float
    height: float
    # 90: drawn turned a quarter anticlockwise, as Image.transpose(ROTATE_90) would turn it, by the PDF's placing
    # matrix rather than by moving every dot (the transpose was a quarter of a Dymo label's time).
    turn: int = 0


@dataclass(frozen=True)
class Page:
    width: float  # points
    height: float
    images: Sequence[Placed]


# Bit order reversed within a byte. Pillow packs "1;R" (least significant bit first) about twice as fast
# as its default "1", and reversing the bytes back costs almost nothing.
_REVERSE_BITS = bytes(int(f"{value:08b}"[::-1], 2) for value in range(256))


def packed_rows(image: Image.Image) -> bytes:
    """A mode "1" image as PDF wants it: rows packed most significant bit first, each padded to a byte,
    1 = white (DeviceGray)."""
    return image.tobytes("raw", "1;R").translate(_REVERSE_BITS)


def _number(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def write_pdf(pages: Iterable[Page], *, title: str = "Labels") -> bytes:
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets: list[int] = []

    def add(body: bytes) -> int:
        offsets.append(len(out))
        out.extend(f"{len(offsets)} 0 obj\n".encode() + body + b"\nendobj\n")
        return len(offsets)

    def add_stream(header: str, data: bytes) -> int:
        return add(f"<< {header} /Length {len(data)} >>\nstream\n".encode() + data + b"\nendstream")

    catalog = add(b"<< /Type /Catalog /Pages 2 0 R >>")
    offsets.append(0)  # object 2, the page tree: written last, when its kids are known
    page_ids: list[int] = []

    def add_page(page: Page) -> int:
        names, drawing = [], []
        for index, placed in enumerate(page.images):
            image = placed.image if placed.image.mode == "1" else placed.image.convert("1")
            width, height = image.size
            image_id = add_stream(f"/Type /XObject /Subtype /Image /Width {width} /Height {height} "
                                  "/ColorSpace /DeviceGray /BitsPerComponent 1 /Filter /FlateDecode",
                                  zlib.compress(packed_rows(image), 1))
            names.append(f"/L{index} {image_id} 0 R")
            bottom = page.height - placed.top - placed.height
            matrix: tuple[float, ...]
            if placed.turn:  # the image's left edge along the box's bottom, its top edge up the box's left
                matrix = (0, placed.height, -placed.width, 0, placed.left + placed.width, bottom)
            else:
                matrix = (placed.width, 0, 0, placed.height, placed.left, bottom)
            drawing.append(f"q {' '.join(_number(v) for v in matrix)} cm /L{index} Do Q")
        content_id = add_stream("", "\n".join(drawing).encode())
        return add(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {_number(page.width)} {_number(page.height)}] "
            f"/Resources << /XObject << {' '.join(names)} >> >> /Contents {content_id} 0 R >>".encode())

    for page in pages:
        page_ids.append(add_page(page))
        # Let this page's bitmaps go before the next page is drawn: a run's memory stays one page deep.
        del page
    info = add(f"<< /Title ({_escape(title)}) /Producer (phone custody kiosk) >>".encode())
    kids = " ".join(f"{page_id} 0 R" for page_id in page_ids)
    pages_body = f"2 0 obj\n<< /Type /Pages /Kids [{kids}] /Count {len(page_ids)} >>\nendobj\n".encode()
    offsets[1] = len(out)
    out.extend(pages_body)
    xref = len(out)
    out.extend(f"xref\n0 {len(offsets) + 1}\n0000000000 65535 f \n".encode())
    out.extend("".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode())
    out.extend(f"trailer\n<< /Size {len(offsets) + 1} /Root {catalog} 0 R /Info {info} 0 R >>\n"
               f"startxref\n{xref}\n%%EOF\n".encode())
    return bytes(out)


def _escape(text: str) -> str:
    ascii_text = text.encode("ascii", "replace").decode()
    return ascii_text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
