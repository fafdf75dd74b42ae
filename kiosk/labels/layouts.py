"""Label layouts as data: each roll or sheet the office can buy, at its printer's true resolution.

Adding a layout is one more entry in LAYOUTS. Sizes are as the label is read (landscape), in millimetres;
`image_px` pins the exact bitmap where the printer dictates it (a Brother QL prints exactly 696 dots across
62 mm tape). Sheet geometry is the maker's published margins and pitch.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

MM_PER_INCH = 25.4
MIN_NAME_MM = 3.0  # em: about 8.5 pt, capitals 2.2 mm tall in the condensed bold the names use
POINTS_PER_INCH = 72.0


def mm_to_px(mm: float, dpi: int) -> int:
    return round(mm * dpi / MM_PER_INCH)


def mm_to_pt(mm: float) -> float:
    return mm * POINTS_PER_INCH / MM_PER_INCH


@dataclass(frozen=True)
class Sheet:
    """Where the labels sit on a sheet of paper (A4: 210 × 297 mm), all in millimetres."""

    page_mm: tuple[float, float]
    columns: int
    rows: int
    first_mm: tuple[float, float]  # left and top margin to the first label's corner
    pitch_mm: tuple[float, float]  # from one label's corner to the next, across and down

    @property
    def per_sheet(self) -> int:
        return self.columns * self.rows

    def cell_mm(self, index: int) -> tuple[float, float]:
        """Top-left corner of label `index` (0-based, across then down) on its sheet."""
        row, column = divmod(index % self.per_sheet, self.columns)
        return self.first_mm[0] + column * self.pitch_mm[0], self.first_mm[1] + row * self.pitch_mm[1]


@dataclass(frozen=True)
class Layout:
    key: str  # what settings, the command line and the Labels screen call it: "brother-62x29"
    title: str  # what the office sees: the product name on the box
    label_mm: tuple[float, float]  # one label as read (landscape): width × height
    dpi: int = 300
    image_px: tuple[int, int] | None = None  # the exact bitmap the printer wants, if it dictates one
    # Kept blank on every label, across and down: the printer's unprintable edge, or a sheet's feed tolerance.
    margin_mm: tuple[float, float] = (1.0, 1.0)
    cups_media: str = ""  # the `lp -o media=` value the printer's driver names this stock by
    # Roll printers feed labels narrow side first, so CUPS pages are portrait: turn the label onto the page.
    page_turn: int = 0  # 0 or 90 degrees
    brother_label: str | None = None  # brother_ql's identifier for the roll ("62x29", "62")
    sheet: Sheet | None = None
    bag_label_mm: tuple[float, float] | None = None  # continuous rolls print bag labels longer
    # The smallest the pupil's name is ever printed (the font's em, in mm): legible at arm's length on the
    # real label. A name that would need less is broken over two lines, then its forename becomes an initial.
    min_name_mm: float = MIN_NAME_MM

    @property
    def per_page(self) -> int:
        return self.sheet.per_sheet if self.sheet else 1

    @property
    def size_px(self) -> tuple[int, int]:
        if self.image_px:
            return self.image_px
        return mm_to_px(self.label_mm[0], self.dpi), mm_to_px(self.label_mm[1], self.dpi)

    @property
    def min_name_px(self) -> int:
        return mm_to_px(self.min_name_mm, self.dpi)

    @property
    def margin_px(self) -> tuple[int, int]:
        return mm_to_px(self.margin_mm[0], self.dpi), mm_to_px(self.margin_mm[1], self.dpi)

    @property
    def page_mm(self) -> tuple[float, float]:
        """The page CUPS is given: a whole sheet, or one label (turned to the printer's feed direction)."""
        if self.sheet:
            return self.sheet.page_mm
        width, height = self.label_mm
        return (height, width) if self.page_turn else (width, height)

    def sized_for_bag(self) -> Layout:
        """The layout a confiscated phone's bag label uses: a longer piece of a continuous roll."""
        if not self.bag_label_mm:
            return self
        image = (self.image_px[0], mm_to_px(self.bag_label_mm[1], self.dpi)) if self.image_px else None
        return replace(self, label_mm=self.bag_label_mm, image_px=image,
                       cups_media=f"Custom.{_mm(self.bag_label_mm[0])}x{_mm(self.bag_label_mm[1])}mm")


def _mm(value: float) -> str:
    return f"{value:g}"


A4 = (210.0, 297.0)

# Brother QL: 62 mm tape has 696 printable dots of the head's 720 (brother_ql's label table); a 62×29 die-cut
# label has 271 printable rows. The printer keeps its own unprintable edge, so only a hair of margin here.
# Dymo LabelWriter (300 dpi head): the driver's imageable area leaves 1.5 mm at the sides and 5.8 mm at the
# leading end, so keep 6 mm clear at both ends whichever way round the roll is loaded.
LAYOUTS: dict[str, Layout] = {
    layout.key: layout
    for layout in [
        Layout(key="brother-62x29", title="Brother QL 62 × 29 mm die-cut labels (DK-11209)",
               label_mm=(62.0, 29.0), image_px=(696, 271), margin_mm=(0.5, 0.5), cups_media="Custom.62x29mm",
               brother_label="62x29"),
        Layout(key="brother-62", title="Brother QL 62 mm continuous roll (DK-22205), cut at 32 mm",
               label_mm=(62.0, 32.0), image_px=(696, 378), margin_mm=(0.5, 0.5), cups_media="Custom.62x32mm",
               brother_label="62", bag_label_mm=(62.0, 50.0)),
        Layout(key="dymo-99010", title="Dymo 99010 standard address labels, 89 × 28 mm",
               label_mm=(89.0, 28.0), margin_mm=(6.0, 1.6), cups_media="w79h252", page_turn=90),
        Layout(key="dymo-99012", title="Dymo 99012 large address labels, 89 × 36 mm",
               label_mm=(89.0, 36.0), margin_mm=(6.0, 1.6), cups_media="w102h252", page_turn=90),
        Layout(key="a4-21", title="A4 sheet of 21 labels, 63.5 × 38.1 mm (Avery L7160 and equivalents)",
               label_mm=(63.5, 38.1), margin_mm=(2.0, 2.0), cups_media="A4",
               sheet=Sheet(page_mm=A4, columns=3, rows=7, first_mm=(7.21, 15.15), pitch_mm=(66.04, 38.1))),
        Layout(key="a4-24", title="A4 sheet of 24 labels, 63.5 × 33.9 mm (Avery L7159 and equivalents)",
               label_mm=(63.5, 33.9), margin_mm=(2.0, 2.0), cups_media="A4",
               sheet=Sheet(page_mm=A4, columns=3, rows=8, first_mm=(7.21, 12.9), pitch_mm=(66.04, 33.9))),
    ]
}

class UnknownLayout(ValueError):
    """A layout name that is not in LAYOUTS; the message lists the ones there are."""


def get_layout(key: str | Layout) -> Layout:
    if isinstance(key, Layout):
        return key
    try:
        return LAYOUTS[key.strip().lower()]
    except KeyError:
        raise UnknownLayout(f"There is no label layout called {key!r}. Choose one of: "
                            f"{', '.join(LAYOUTS)}.") from None
