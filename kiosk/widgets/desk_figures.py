"""The desk's header figures: in office, handed back today, uncollected, expected.

Counting them walks the custody table, so the desk does not re-count after every scan: each receipt moves the
figures by what it changed (the domain's `counts_after`: a hand-in puts one more phone in the office), and a
re-count every few seconds brings in what other desks and other screens did.
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from kiosk.custody import DeskCounts, Receipt
from kiosk.custody.desk import counts_after


class DeskFigures(Static):
    """Two lines at the right of the mode bar. `counts` is None until the first count arrives."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("counting…", id=id)
        self.counts: DeskCounts | None = None

    def show(self, counts: DeskCounts) -> None:
        if counts == self.counts:
            return  # the same figures: no repaint
        self.counts = counts
        # Assembled rather than parsed from markup: this runs after every scan of a burst.
        self.update(Content.assemble(
            "in office ", (f"{counts.in_office:,}", "bold"), " · handed back today ",
            (f"{counts.handed_back_today:,}", "bold"), "\nuncollected ", (f"{counts.uncollected:,}", "bold"),
            " · expected ", (f"{counts.expected:,}", "bold"),
        ))

    def apply(self, receipt: Receipt) -> None:
        """Move the figures by what this receipt changed (nothing to move before the first count)."""
        if self.counts is not None:
            self.show(counts_after(self.counts, receipt))

    def unavailable(self) -> None:
        """The database did not answer: say so rather than show figures that may be stale."""
        self.counts = None
        self.update("figures unavailable:\nthe database is not answering")
