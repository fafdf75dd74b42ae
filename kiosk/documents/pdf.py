"""A small layer over reportlab: one A4 page of headed paragraphs and a table, in the kiosk's font."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from kiosk.resources import assets_dir

_FONTS_READY = False


def _fonts() -> tuple[str, str]:
    """DejaVu covers every name on the roll (Zoë, Łukasz, Nguyễn); reportlab's built-in fonts do not."""
    global _FONTS_READY
    if not _FONTS_READY:
        pdfmetrics.registerFont(TTFont("KioskSans", str(assets_dir() / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont("KioskSans-Bold", str(assets_dir() / "DejaVuSans-Bold.ttf")))
        _FONTS_READY = True
    return "KioskSans", "KioskSans-Bold"


def chart_font() -> str:
    return _fonts()[0]


@dataclass
class Document:
    title: str
    school: str
    blocks: list[Any] = field(default_factory=list)  # reportlab flowables (reportlab ships no types)

    def heading(self, text: str) -> Document:
        _regular, bold = _fonts()
        self.blocks.append(Paragraph(escape(text), ParagraphStyle("h", fontName=bold, fontSize=12, leading=16,
                                                                  spaceBefore=8, spaceAfter=4)))
        return self

    def para(self, text: str, size: int = 10) -> Document:
        regular, _bold = _fonts()
        self.blocks.append(Paragraph(escape(text), ParagraphStyle("p", fontName=regular, fontSize=size,
                                                                  leading=size * 1.35, spaceAfter=4)))
        return self

    def facts(self, rows: Sequence[tuple[str, str]], *, label_mm: float = 70) -> Document:
        """Label and value pairs, one a row; a report's long labels and short figures want a wider label."""
        regular, bold = _fonts()
        cell = ParagraphStyle("c", fontName=regular, fontSize=10, leading=13)
        label = ParagraphStyle("l", fontName=bold, fontSize=10, leading=13)
        table = Table([[Paragraph(escape(k), label), Paragraph(escape(v or "—"), cell)] for k, v in rows],
                      colWidths=[label_mm * mm, (170 - label_mm) * mm])
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.grey),
                                   ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]))
        self.blocks.append(table)
        return self

    def table(self, header: Sequence[str], rows: Sequence[Sequence[object]],
              widths_mm: Sequence[float] | None = None, *, wrap: bool = True) -> Document:
        """A data table with a repeated header row (long tables run over several pages).

        wrap=False sets each cell as plain text on one line: several times quicker for a long table of short
        cells (a year's days), where wrapping is never needed."""
        regular, bold = _fonts()
        head = ParagraphStyle("th", fontName=bold, fontSize=9, leading=11)
        cell = ParagraphStyle("td", fontName=regular, fontSize=9, leading=11)
        data = [[Paragraph(escape(str(h)), head) for h in header]]
        if wrap:
            data += [[Paragraph(escape("" if v is None else str(v)), cell) for v in row] for row in rows]
        else:
            data += [["" if v is None else str(v) for v in row] for row in rows]
        if len(data) == 1:
            data.append([Paragraph("none", cell)] + [""] * (len(header) - 1))
        table = Table(data, colWidths=[w * mm for w in widths_mm] if widths_mm else None, repeatRows=1)
        table.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde4ee")),
                                   ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.grey),
                                   ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("FONTNAME", (0, 1), (-1, -1), regular), ("FONTSIZE", (0, 1), (-1, -1), 9),
                                   ("LEADING", (0, 1), (-1, -1), 11)]))
        self.blocks.append(table)
        return self

    def flowable(self, item: Any) -> Document:
        self.blocks.append(item)
        return self

    def space(self, height_mm: float = 6) -> Document:
        self.blocks.append(Spacer(1, height_mm * mm))
        return self

    def signature_lines(self, *who: str) -> Document:
        for name in who:
            self.space(10).para(f"Signed ({name}): ______________________________   Date: ______________")
        return self

    def render(self) -> bytes:
        regular, bold = _fonts()
        buffer = io.BytesIO()
        doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm,
                                bottomMargin=18 * mm, title=self.title, author=self.school)
        header = [Paragraph(escape(self.school), ParagraphStyle("s", fontName=regular, fontSize=10,
                                                                textColor=colors.grey)),
                  Paragraph(escape(self.title), ParagraphStyle("t", fontName=bold, fontSize=16, leading=20,
                                                               spaceAfter=8))]
        doc.build(header + self.blocks)
        return buffer.getvalue()
