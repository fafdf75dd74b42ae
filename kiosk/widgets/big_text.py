"""Big block letters for words that must be read from arm's length (a result, a slot, the desk's mode).

Each glyph is drawn on a 3×5 (or wider) pixel grid and printed with half-block characters, so one
terminal cell holds two square pixels: a letter is three rows tall at scale 1, five at scale 2.
Text that does not fit the width falls back to a single bold line rather than being cut off.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import RenderResult
from textual.geometry import Size
from textual.reactive import reactive
from textual.widget import Widget

from kiosk.text import plain_text

FONT: dict[str, tuple[str, ...]] = {
    "A": (".#.", "#.#", "###", "#.#", "#.#"),
    "B": ("##.", "#.#", "##.", "#.#", "##."),
    "C": (".##", "#..", "#..", "#..", ".##"),
    "D": ("##.", "#.#", "#.#", "#.#", "##."),
    "E": ("###", "#..", "##.", "#..", "###"),
    "F": ("###", "#..", "##.", "#..", "#.."),
    "G": (".##", "#..", "#.#", "#.#", ".##"),
    "H": ("#.#", "#.#", "###", "#.#", "#.#"),
    "I": ("###", ".#.", ".#.", ".#.", "###"),
    "J": ("..#", "..#", "..#", "#.#", ".#."),
    "K": ("#.#", "#.#", "##.", "#.#", "#.#"),
    "L": ("#..", "#..", "#..", "#..", "###"),
    "M": ("#...#", "##.##", "#.#.#", "#...#", "#...#"),
    "N": ("#..#", "##.#", "#.##", "#..#", "#..#"),
    "O": (".##.", "#..#", "#..#", "#..#", ".##."),
    "P": ("##.", "#.#", "##.", "#..", "#.."),
    "Q": (".##.", "#..#", "#..#", "#.#.", ".#.#"),
    "R": ("##.", "#.#", "##.", "#.#", "#.#"),
    "S": (".##", "#..", ".#.", "..#", "##."),
    "T": ("###", ".#.", ".#.", ".#.", ".#."),
    "U": ("#.#", "#.#", "#.#", "#.#", "###"),
    "V": ("#.#", "#.#", "#.#", "#.#", ".#."),
    "W": ("#...#", "#...#", "#.#.#", "##.##", "#...#"),
    "X": ("#.#", "#.#", ".#.", "#.#", "#.#"),
    "Y": ("#.#", "#.#", ".#.", ".#.", ".#."),
    "Z": ("###", "..#", ".#.", "#..", "###"),
    "0": ("###", "#.#", "#.#", "#.#", "###"),
    "1": (".#.", "##.", ".#.", ".#.", "###"),
    "2": ("##.", "..#", ".#.", "#..", "###"),
    "3": ("##.", "..#", ".#.", "..#", "##."),
    "4": ("#.#", "#.#", "###", "..#", "..#"),
    "5": ("###", "#..", "##.", "..#", "##."),
    "6": (".##", "#..", "###", "#.#", "###"),
    "7": ("###", "..#", ".#.", ".#.", ".#."),
    "8": ("###", "#.#", "###", "#.#", "###"),
    "9": ("###", "#.#", "###", "..#", "##."),
    "-": ("...", "...", "###", "...", "..."),
    "?": ("##.", "..#", ".#.", "...", ".#."),
    "'": ("#", "#", ".", ".", "."),
    ".": (".", ".", ".", ".", "#"),
    ":": (".", "#", ".", "#", "."),
    " ": ("..", "..", "..", "..", ".."),
    "✔": ("....#", "...##", "#.##.", "###..", ".#..."),
    "⚠": ("...#...", "..#.#..", ".##.##.", "#######", "###.###"),
    "✖": ("#...#", ".#.#.", "..#..", ".#.#.", "#...#"),
}
PIXEL_ROWS = 5
# A kiosk-sized terminal (columns, rows) and up: results, the mode and the lock screen's clock get scale 2.
LARGE_FROM = (140, 40)


def can_draw(text: str) -> bool:
    return all(c in FONT for c in text.upper())


def pixels(text: str) -> list[str]:
    """The text as rows of '#' and '.', one blank column between glyphs."""
    rows = [""] * PIXEL_ROWS
    for index, char in enumerate(text.upper()):
        glyph = FONT[char]
        for row in range(PIXEL_ROWS):
            rows[row] += ("." if index else "") + glyph[row]
    return rows


def draw(text: str, scale: int = 1) -> list[str]:
    """Lines of block characters: scale 1 packs two pixel rows into a cell, scale 2 gives each its own row."""
    grid = pixels(text)
    if scale >= 2:
        return ["".join("██" if p == "#" else "  " for p in row) for row in grid]
    grid = grid + ["." * len(grid[0])]
    lines = []
    for top, bottom in zip(grid[0::2], grid[1::2], strict=True):
        cells = {("#", "#"): "█", ("#", "."): "▀", (".", "#"): "▄", (".", "."): " "}
        lines.append("".join(cells[pair] for pair in zip(top, bottom, strict=True)).rstrip())
    return lines


def drawn_width(text: str, scale: int = 1) -> int:
    return len(pixels(text)[0]) * (2 if scale >= 2 else 1) if text else 0


class BigText(Widget):
    """Text in block letters, as large as `scale` allows in the width; plain bold text when it cannot fit."""

    DEFAULT_CSS = """
    BigText {
        width: 1fr;
        height: auto;
        text-style: bold;
    }
    """

    text: reactive[str] = reactive("", layout=True)
    scale: reactive[int] = reactive(1, layout=True)

    def __init__(self, text: str = "", *, scale: int = 1, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.set_reactive(BigText.text, text)
        self.set_reactive(BigText.scale, scale)

    def fitting_scale(self, width: int) -> int:
        """The largest scale (up to `scale`) at which the text fits `width` cells; 0 means plain text."""
        if not self.text or not can_draw(self.text):
            return 0
        for scale in range(self.scale, 0, -1):
            if drawn_width(self.text, scale) <= width:
                return scale
        return 0

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return max(drawn_width(self.text, self.fitting_scale(container.width)), len(self.text))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        scale = self.fitting_scale(width)
        if scale == 0:
            return 1 if self.text else 0
        return PIXEL_ROWS if scale >= 2 else 3

    def render(self) -> RenderResult:
        scale = self.fitting_scale(self.content_size.width)
        if scale == 0:
            return Text(plain_text(self.text), style="bold", no_wrap=True, overflow="ellipsis")
        return Text("\n".join(draw(self.text, scale)), no_wrap=True)
