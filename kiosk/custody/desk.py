"""What the desk screen asks of the database, each as one call its worker thread can run: a scan or a chosen pupil
handed in or back, how a receipt moves the header figures, the database's health, and a thread's connection closed.

The desk screen imports these rather than kiosk.db (the UI never imports peewee or kiosk.db): the retries a write
may have on this backend, the health probe and the connection of the thread that ends are the database's business.
"""

from __future__ import annotations

from dataclasses import replace

from peewee import PostgresqlDatabase

from kiosk.custody.context import DeskContext
from kiosk.custody.daily import hand_back, hand_in
from kiosk.custody.lookup import Resolved, resolve, resolve_pupil
from kiosk.custody.receipts import Outcome, Receipt
from kiosk.custody.reports import DeskCounts, Mode
from kiosk.custody.scans import Scan
from kiosk.custody.states import State
from kiosk.db.models import database_proxy
from kiosk.db.resilience import DEFAULT_ATTEMPTS, ConnectionWatch, Health, retry_transient

__all__ = ["ConnectionWatch", "Health", "changes_figures", "close_this_threads_connection", "counts_after",
           "hand_over", "hand_over_pupil", "hand_over_scan", "write_attempts"]


def write_attempts() -> int:
    """How many runs a hand-in or hand-back gets when the database rolls it back for a transient reason.

    SQLite has already waited its whole busy timeout before it says "database is locked": running it again would
    keep the scan waiting twice as long for the same answer. PostgreSQL's serialisation failures and deadlocks
    come at once, and a re-run usually succeeds."""
    return DEFAULT_ATTEMPTS if isinstance(database_proxy.obj, PostgresqlDatabase) else 1


def hand_over(ctx: DeskContext, found: Resolved, *, mode: str) -> Receipt:
    """Hand the phone in or back (`mode`, the desk's mode when it was scanned). Anything the database rolled back
    for a transient reason is re-run a bounded number of times; every other failure is the DeskError it is."""
    action = hand_in if mode == Mode.HAND_IN else hand_back
    return retry_transient(action, ctx, found, attempts=write_attempts())


def hand_over_scan(ctx: DeskContext, scan: Scan, *, mode: str) -> Receipt:
    """A scanned tag or school ID card, from the code to the saved receipt: one job on the desk's worker, so a
    scan's reading and its writing are never separated by another scan's."""
    found = resolve(scan, accept_admission_numbers=ctx.settings.accept_admission_numbers)
    return hand_over(ctx, found, mode=mode)


def hand_over_pupil(ctx: DeskContext, pupil_id: int, *, mode: str) -> Receipt:
    """A pupil chosen from a typed name: their phone's current tag, handed in or back."""
    return hand_over(ctx, resolve_pupil(pupil_id), mode=mode)


# ── the desk's header figures, moved by each receipt (counting them again walks the custody table) ──────────


def changes_figures(receipt: Receipt) -> bool:
    """Did this receipt move a phone into or out of the office (so the header figures change)?"""
    return receipt.outcome in (Outcome.HANDED_IN, Outcome.HANDED_BACK)


def counts_after(counts: DeskCounts, receipt: Receipt) -> DeskCounts:
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


# ── threads ─────────────────────────────────────────────────────────────────────────────────────────────────


def close_this_threads_connection() -> None:
    """Called on a reading or worker thread as it ends: the database keeps one connection per thread, and this
    thread's goes with it (an idle PostgreSQL backend, or a SQLite file handle, would otherwise stay open)."""
    db = database_proxy.obj
    try:
        if db is not None and not db.is_closed():
            db.close()
    except Exception:  # noqa: BLE001 - best effort: the thread is ending, and a broken connection is gone anyway
        pass
