"""A print run's labels, drawn one at a time as the document is written: memory stays flat however long the run.

A list of 2,000 rendered labels held 450 MB (62×29) to 1.8 GB (Dymo 99012): a mode "1" image keeps a byte
per dot. This sequence keeps only what goes on each label and draws it when asked, so a printer back end
that walks it page by page holds one page of bitmaps at a time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import overload

from PIL import Image

from kiosk.labels.content import TagLabel
from kiosk.labels.layouts import Layout, get_layout
from kiosk.labels.render import batch_name_size, render_tag_label


class RenderedLabels(Sequence[Image.Image]):
    """The labels of one run, each drawn when it is read (at the run's one name size); nothing is kept."""

    def __init__(self, labels: Sequence[TagLabel], layout: Layout | str) -> None:
        self.labels = list(labels)
        self.layout = get_layout(layout)
        self.name_size = batch_name_size(self.labels, self.layout)

    def __len__(self) -> int:
        return len(self.labels)

    @overload
    def __getitem__(self, index: int) -> Image.Image: ...

    @overload
    def __getitem__(self, index: slice) -> list[Image.Image]: ...

    def __getitem__(self, index: int | slice) -> Image.Image | list[Image.Image]:
        if isinstance(index, slice):
            return [self._draw(label) for label in self.labels[index]]
        return self._draw(self.labels[index])

    def __iter__(self) -> Iterator[Image.Image]:
        for label in self.labels:
            yield self._draw(label)

    def _draw(self, label: TagLabel) -> Image.Image:
        return render_tag_label(label, self.layout, name_size=self.name_size)
