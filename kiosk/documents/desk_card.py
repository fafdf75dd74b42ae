"""The desk card: command barcodes to stick beside the scanner, so the desk can be driven by scanning alone."""

from __future__ import annotations

import io

from reportlab.graphics.barcode import code128
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen import canvas

from kiosk.custody.scans import COMMAND_CODES
from kiosk.documents.pdf import _fonts

WHAT_IT_DOES = {
    "hand in": "Switch the desk to HAND IN (morning).",
    "hand back": "Switch the desk to HAND BACK (end of the day).",
    "close day": "Close the day: asks for confirmation, then lists every phone not collected.",
    "lock": "Lock the desk now (nothing about pupils stays on screen).",
}


def desk_card(school: str, desk: str) -> bytes:
    regular, bold = _fonts()
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4)
    width, height = A4
    page.setTitle(f"Desk card — {school}")
    page.setFont(bold, 18)
    page.drawString(20 * mm, height - 25 * mm, "Desk card: scan a code to switch the desk")
    page.setFont(regular, 10)
    page.drawString(20 * mm, height - 32 * mm, f"{school} · {desk} · sign in first (staff badge or initials, then PIN)")
    y = height - 60 * mm
    for code, command in COMMAND_CODES.items():
        # Wide modules and a generous quiet zone: a worn card on a desk must still scan first time.
        barcode = code128.Code128(code, barWidth=0.5 * mm, barHeight=20 * mm, quiet=True, lquiet=8 * mm,
                                  rquiet=8 * mm, humanReadable=False)
        barcode.drawOn(page, 12 * mm, y)
        text_x = 125 * mm
        page.setFont(bold, 16)
        page.drawString(text_x, y + 14 * mm, command.upper())
        page.setFont(regular, 9)
        lines = simpleSplit(WHAT_IT_DOES[command], regular, 9, width - text_x - 15 * mm)
        for n, line in enumerate([*lines, code]):
            page.drawString(text_x, y + (8 - 4.5 * n) * mm, line)
        y -= 45 * mm
    page.showPage()
    page.save()
    return out.getvalue()
