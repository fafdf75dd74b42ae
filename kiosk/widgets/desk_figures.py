"""The desk's header figures: in office, handed back today, uncollected, expected.

Counting them walks the custody table, so the desk does not re-count after every scan: each receipt moves the
figures by what it changed (a hand-in puts one more phone in the office), and a re-count every few seconds
brings in what other desks and other screens did.
"""

from __future__ import annotations

from dataclasses import replace

from textual.content import Content
from textual.widgets import Static

from kiosk.custody import DeskCounts, Outcome, Receipt
from kiosk.custody.states import State


def after(counts: DeskCounts, receipt: Receipt) -> DeskCounts:
    """The figures once this receipt's change is saved. Receipts that changed nothing leave them as they are."""
    if receipt.outcome is Outcome.HANDED_IN:
        return replace(counts, in_office=counts.in_office + 1)
    if receipt.outcome is Outcome.HANDED_BACK:
        if receipt.from_state is State.UNCOLLECTED:  # left overnight: it was counted as uncollected
            return replace(counts, uncollected=max(0, counts.uncollected - 1),
                           handed_back_today=counts.handed_back_today + 1)
        return replace(counts, in_office=max(0, counts.in_office - 1),
                       handed_back_today=counts.handed_back_today + 1)
    return counts


def changes_figures(receipt: Receipt) -> bool:
    return receipt.outcome in (Outcome.HANDED_IN, Outcome.HANDED_BACK)


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
            self.show(after(self.counts, receipt))

    def unavailable(self) -> None:
        """The database did not answer: say so rather than show figures that may be stale."""
        self.counts = None
        self.update("figures unavailable:\nthe database is not answering")
