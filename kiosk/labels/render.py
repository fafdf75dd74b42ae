"""Drawing one label: a plan (where everything goes) and then the bitmap, at the layout's resolution.

Every label is the same shape whatever the stock: the QR code on the left, filling the height; to its right
the pupil's name, the form, the Code128 barcode with the grouped code under it, and the school's name.
The planner picks the largest whole-pixel module sizes that keep both symbols' quiet zones clear and
everything inside the layout's margins, so nothing is ever cut off at the edge.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from PIL import Image, ImageDraw

from kiosk.formatting import short_date
from kiosk.labels.content import BagLabel, TagLabel
from kiosk.labels.layouts import Layout, get_layout, mm_to_px
from kiosk.labels.symbols import (
    CODE128_QUIET,
    QR_QUIET,
    code128_image,
    code128_length,
    qr_image,
    qr_size,
)
from kiosk.labels.text import FittedText, best_name_size, fit_name, fit_text, size_for_height, text_mask

MIN_QR_MODULE_MM = 0.5  # below this a phone camera or a cheap scanner struggles
MAX_BAR_MODULE_PX = 4
# A QR code this big scans from across the desk; a bigger one only takes width from the pupil's name (a taller
# label, Dymo 99012, used to show less of a name than the smaller 99010).
MAX_QR_MM = 25.0
ROW_GAP = 0.02  # of the label's usable height, between rows of the text column
REPEATED_LINES = {"school", "form", "held", "hold"}  # the same on many labels of one run: drawn once, then pasted


class LabelTooSmall(ValueError):
    """The layout cannot hold both codes at a size that scans."""


@dataclass(frozen=True)
class Box:
    left: int
    top: int
    right: int  # exclusive
    bottom: int  # exclusive

    def inside(self, other: Box) -> bool:
        return (other.left <= self.left and other.top <= self.top and self.right <= other.right
                and self.bottom <= other.bottom)

    def overlaps(self, other: Box) -> bool:
        return (self.left < other.right and other.left < self.right and self.top < other.bottom
                and other.top < self.bottom)


@dataclass(frozen=True)
class TextLine:
    name: str  # "name", "form", "school", …
    fitted: FittedText
    box: Box  # the ink box, within its row

    @property
    def origin(self) -> tuple[int, int]:
        return self.box.left - self.fitted.left, self.box.top - self.fitted.top


@dataclass(frozen=True)
class LabelPlan:
    code: str
    size: tuple[int, int]
    safe: Box  # inside the layout's margins
    qr_module: int
    qr_zone: Box  # the QR symbol plus its quiet zone
    qr_symbol: Box
    bar_module: int
    bars_zone: Box  # the barcode plus its quiet zones
    bars: Box
    lines: tuple[TextLine, ...]


# What the text column holds, top to bottom, and each row's share of the height. "bars" is the barcode.
# Each entry: (row name, share, text style, smallest text as a share of the row). Data, not code.
# The name's row holds two lines at the layout's smallest name size, so a long name breaks rather than shrinks.
TAG_ROWS = (("name", 0.36, "name", 0.42), ("form", 0.12, "bold", 0.7), ("bars", 0.27, "", 0.0),
            ("code", 0.15, "bold", 0.7), ("school", 0.10, "regular", 0.7))
BAG_ROWS = (("name", 0.19, "name", 0.5), ("held", 0.12, "bold", 0.45), ("reason", 0.11, "regular", 0.6),
            ("seal", 0.11, "bold", 0.45), ("bars", 0.24, "", 0.0), ("code", 0.12, "bold", 0.7),
            ("school", 0.07, "regular", 0.7))
# A phone on a safeguarding hold: the bag says so in bold under the name, before anything else is read.
BAG_HOLD_ROWS = (("name", 0.17, "name", 0.5), ("hold", 0.14, "bold", 0.45), ("held", 0.10, "bold", 0.45),
                 ("reason", 0.10, "regular", 0.6), ("seal", 0.10, "bold", 0.45), ("bars", 0.22, "", 0.0),
                 ("code", 0.11, "bold", 0.7), ("school", 0.06, "regular", 0.7))
HOLD_WORDS = "HOLD — DO NOT RELEASE"


def plan_label(code: str, texts: dict[str, str], layout: Layout,
               rows: tuple[tuple[str, float, str, float], ...] = TAG_ROWS, *,
               name_size: int | None = None) -> LabelPlan:
    """Where everything goes. `name_size` is the print run's one name size (batch_name_size): every name is
    drawn at it where it fits, so a form's labels look alike."""
    width, height = layout.size_px
    margin_x, margin_y = layout.margin_px
    safe = Box(margin_x, margin_y, width - margin_x, height - margin_y)
    usable_w, usable_h = safe.right - safe.left, safe.bottom - safe.top

    qr_n, bars_n = qr_size(code), code128_length(code)
    qr_span = qr_n + 2 * QR_QUIET
    min_qr = max(1, mm_to_px(MIN_QR_MODULE_MM, layout.dpi))
    for bar_module in range(MAX_BAR_MODULE_PX, 0, -1):
        bars_span = (bars_n + 2 * CODE128_QUIET) * bar_module
        qr_module = min(usable_h // qr_span, (usable_w - bars_span) // qr_span,
                        max(1, mm_to_px(MAX_QR_MM, layout.dpi) // qr_span))
        if qr_module >= min_qr:
            break
    else:
        raise LabelTooSmall(f"The {layout.key} layout is too small for a QR code and a barcode that scan.")

    qr_px = qr_span * qr_module
    qr_zone = Box(safe.left, safe.top + (usable_h - qr_px) // 2, safe.left + qr_px,
                  safe.top + (usable_h - qr_px) // 2 + qr_px)
    quiet = QR_QUIET * qr_module
    qr_symbol = Box(qr_zone.left + quiet, qr_zone.top + quiet, qr_zone.right - quiet, qr_zone.bottom - quiet)

    column = Box(qr_zone.right, safe.top, safe.right, safe.bottom)
    column_w = column.right - column.left
    gap = round(usable_h * ROW_GAP)
    available = usable_h - gap * (len(rows) - 1)
    total_share = sum(share for _name, share, _style, _min in rows)

    lines: list[TextLine] = []
    bars = bars_zone = None
    top = column.top
    for index, (name, share, style, smallest) in enumerate(rows):
        row_h = int(available * share / total_share) if index < len(rows) - 1 else column.bottom - top
        if name == "bars":
            bars_w = bars_n * bar_module
            left = column.left + (column_w - bars_w) // 2
            bars = Box(left, top, left + bars_w, top + row_h)
            bars_zone = Box(left - CODE128_QUIET * bar_module, top, bars.right + CODE128_QUIET * bar_module,
                            top + row_h)
        elif name == "name":
            # A row that cannot hold one line at the layout's smallest name size (a bag label on a die-cut
            # label) has its own: one line as tall as the row.
            smallest_name = min(layout.min_name_px, size_for_height(style, row_h))
            shown = fit_name(texts.get("name", ""), texts.get("surname", ""), style, max_width=column_w,
                             max_height=row_h, min_size=smallest_name, size=name_size)
            ink_top = top + max(0, (row_h - shown.height) // 2)
            for number, part in enumerate(shown.lines):
                box = Box(column.left, ink_top, column.left + part.width, ink_top + part.height)
                lines.append(TextLine("name" if number == 0 else "name-2", part, box))
                ink_top = box.bottom + shown.gap
        else:
            fitted = fit_text(texts.get(name, ""), style, max_width=column_w, max_height=row_h,
                              min_height=max(1, int(row_h * smallest)))
            # The grouped code sits centred under the bars, as barcodes' human-readable lines do.
            left = column.left + ((column_w - fitted.width) // 2 if name == "code" else 0)
            ink_top = top + (row_h - fitted.height) // 2
            lines.append(TextLine(name, fitted, Box(left, ink_top, left + fitted.width, ink_top + fitted.height)))
        top += row_h + gap
    assert bars is not None and bars_zone is not None, "every row table has a 'bars' row"
    return LabelPlan(code=code, size=(width, height), safe=safe, qr_module=qr_module, qr_zone=qr_zone,
                     qr_symbol=qr_symbol, bar_module=bar_module, bars_zone=bars_zone, bars=bars,
                     lines=tuple(lines))


def draw(plan: LabelPlan) -> Image.Image:
    """The plan as a 1-bit image: what every printer here prints (thermal heads and lasers alike)."""
    image = Image.new("1", plan.size, 1)
    image.paste(qr_image(plan.code, plan.qr_module), (plan.qr_symbol.left, plan.qr_symbol.top))
    bars = code128_image(plan.code, plan.bar_module, plan.bars.bottom - plan.bars.top)
    image.paste(bars, (plan.bars.left, plan.bars.top))
    pen = ImageDraw.Draw(image)
    for line in plan.lines:
        if not line.fitted.text:
            continue
        if line.name in REPEATED_LINES:
            mask = text_mask(line.fitted.text, line.fitted.style, line.fitted.size)
            image.paste(0, (line.box.left, line.box.top), mask)
        else:
            pen.text(line.origin, line.fitted.text, font=line.fitted.font, fill=0, anchor="ls")
    return image


def tag_texts(label: TagLabel) -> dict[str, str]:
    return {"name": label.name, "surname": label.surname, "form": label.form, "code": label.human_code,
            "school": label.school}


def bag_texts(label: BagLabel) -> dict[str, str]:
    held = f"CONFISCATED {short_date(label.confiscated_on)}"
    return {"name": label.name, "surname": label.surname, "held": f"{label.form} · {held}" if label.form else held,
            "reason": f"Reason: {label.reason}" if label.reason else "Reason: (not recorded)",
            "seal": f"Seal/bag no. {label.seal_number}" if label.seal_number else "Seal/bag no. —",
            "code": label.human_code, "school": label.school, "hold": HOLD_WORDS if label.on_hold else ""}


def plan_tag_label(label: TagLabel, layout: Layout | str, *, name_size: int | None = None) -> LabelPlan:
    return plan_label(label.code, tag_texts(label), get_layout(layout), TAG_ROWS, name_size=name_size)


def render_tag_label(label: TagLabel, layout: Layout | str, *, name_size: int | None = None) -> Image.Image:
    """One phone tag's label as a 1-bit image of exactly the layout's size (Brother 62×29: 696×271)."""
    return draw(plan_tag_label(label, layout, name_size=name_size))


def name_box(layout: Layout, code: str = "K7XQ2M4P") -> tuple[int, int]:
    """The name row's width and height on this layout's tag label (every code is the same length)."""
    plan = plan_label(code, {}, layout, TAG_ROWS)
    column_w = plan.safe.right - plan.qr_zone.right
    usable_h = plan.safe.bottom - plan.safe.top
    gap = round(usable_h * ROW_GAP)
    available = usable_h - gap * (len(TAG_ROWS) - 1)
    share = TAG_ROWS[0][1] / sum(row[1] for row in TAG_ROWS)
    return column_w, int(available * share)


def batch_name_size(labels: Iterable[TagLabel], layout: Layout | str) -> int | None:
    """The one name size for a print run: the largest at which every name that can be whole at the layout's
    smallest legible size is whole (one line or two). A name too long even for that is shortened on its own
    label and does not shrink the others. None for an empty run."""
    layout = get_layout(layout)
    width, height = name_box(layout)
    style = TAG_ROWS[0][2]
    sizes = [best_name_size(label.name, label.surname, style, max_width=width, max_height=height,
                            min_size=layout.min_name_px) for label in labels]
    whole = [size for size in sizes if size]
    return min(whole) if whole else (layout.min_name_px if sizes else None)


def plan_bag_label(label: BagLabel, layout: Layout | str) -> LabelPlan:
    return plan_label(label.code, bag_texts(label), get_layout(layout).sized_for_bag(),
                      BAG_HOLD_ROWS if label.on_hold else BAG_ROWS)


def bag_label(label: BagLabel, layout: Layout | str) -> Image.Image:
    """A confiscated phone's bag label (a continuous roll gives it a longer piece: Brother 62 mm → 50 mm)."""
    return draw(plan_bag_label(label, layout))
