"""Memory flat in a print run: labels are drawn as the document is written, page by page, and let go after
(a run of 2,000 held 450 MB to 1.8 GB of bitmaps; bench/labels_memory.py measures the peak)."""

from __future__ import annotations

import weakref
from collections.abc import Sequence

import pytest
from PIL import Image

from kiosk.labels import LAYOUTS, BrotherPrinter, FilePrinter, get_layout
from kiosk.labels.batch import RenderedLabels
from tests.test_labels_render import labels_for


class Watched(Sequence):
    """RenderedLabels that counts how many of its drawn labels are alive at once."""

    def __init__(self, labels: RenderedLabels) -> None:
        self.labels = labels
        self.alive = 0
        self.most = 0
        self.drawn = 0

    def _watch(self, image: Image.Image) -> Image.Image:
        self.alive += 1
        self.drawn += 1
        self.most = max(self.most, self.alive)
        weakref.finalize(image, self._gone)
        return image

    def _gone(self) -> None:
        self.alive -= 1

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._watch(image) for image in self.labels[index]]
        return self._watch(self.labels[index])

    def __iter__(self):
        for image in self.labels:
            yield self._watch(image)


def names(count: int) -> list[tuple[str, str]]:
    return [(f"Pupil{n} Ó Súilleabháin-Nguyễn", f"{7 + n % 5}A") for n in range(count)]


@pytest.mark.parametrize("key", sorted(LAYOUTS))
def test_a_pdf_run_holds_one_page_of_labels_at_a_time(key, tmp_path):
    layout = get_layout(key)
    run = Watched(RenderedLabels(labels_for(names(3 * layout.per_page + 5)), layout))
    FilePrinter(tmp_path).print_labels(run, layout, title="Phone tags - memory")
    assert run.drawn == len(run), "each label drawn once"
    assert run.most <= layout.per_page + 1, (key, run.most)


@pytest.mark.parametrize("key", ["brother-62x29", "brother-62"])
def test_a_brother_run_holds_one_label_at_a_time(key, tmp_path):
    run = Watched(RenderedLabels(labels_for(names(40)), key))
    BrotherPrinter(str(tmp_path / "run.bin")).print_labels(run, get_layout(key), title="Phone tags - memory")
    assert run.drawn == 40 and run.most <= 2


def test_png_files_are_written_one_at_a_time(tmp_path):
    run = Watched(RenderedLabels(labels_for(names(12)), "brother-62x29"))
    receipt = FilePrinter(tmp_path / "labels.png").print_labels(run, get_layout("brother-62x29"), title="x - y")
    assert len(receipt.files) == 12 and run.most <= 2
