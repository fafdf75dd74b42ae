"""Who is told when a write commits: listeners on a database object, each given the audit head the write left.

The database package knows nothing of what is done with it. The desk's audit witness (kiosk/audit/witness.py)
listens here; so could anything else that must follow each commit. `write_transaction` reads the head inside the
transaction (still under the write lock, so it is this process's own last event) and tells every listener once the
commit has returned.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from peewee import Database

log = logging.getLogger(__name__)

_LISTENERS = "kiosk_commit_listeners"  # on the database object: one school's database in this process
_FIRST_CHAIN = "kiosk_first_chain"  # event 1's chain value, read once per database object: it never changes


@dataclass(frozen=True)
class CommittedHead:
    """Where the audit trail stood when a write committed."""

    first_chain: str  # event 1's chain value: names the trail, whatever database file or server holds it
    seq: int
    chain: str


CommitListener = Callable[[CommittedHead], None]


def listen(db: Database, listener: CommitListener) -> Callable[[], None]:
    """Tell `listener` of every write committed through `db` from now on; returns the call that stops it."""
    setattr(db, _FIRST_CHAIN, None)  # read afresh for a new listener, as a witness attached anew always did
    _set(db, (*listeners(db), listener))

    def stop() -> None:
        _set(db, tuple(known for known in listeners(db) if known is not listener))

    return stop


def listeners(db: Database) -> tuple[CommitListener, ...]:
    found = getattr(db, _LISTENERS, ())
    return found if isinstance(found, tuple) else ()


def _set(db: Database, chosen: tuple[CommitListener, ...]) -> None:
    # A tuple replaced whole: a Textual worker thread committing meanwhile sees the old set or the new one.
    setattr(db, _LISTENERS, chosen)


def head_for_listeners(db: Database) -> CommittedHead | None:
    """The audit head, read inside the transaction, and only when someone listens (one primary-key read).
    None before the first event. A failure here is a failure of the transaction: nothing saved, and said so."""
    if not listeners(db):
        return None
    row = db.execute_sql("SELECT seq, chain FROM audit_head WHERE id = 1").fetchone()
    if row is None or not row[0]:
        return None
    first = getattr(db, _FIRST_CHAIN, None)
    if not isinstance(first, str):
        found = db.execute_sql("SELECT chain FROM event WHERE seq = 1").fetchone()
        if found is None:
            return None
        first = str(found[0])
        setattr(db, _FIRST_CHAIN, first)
    return CommittedHead(first_chain=first, seq=int(row[0]), chain=str(row[1]))


def tell_listeners(db: Database, head: CommittedHead) -> None:
    """After the commit: the change is saved whatever a listener does, so a listener's failure is logged, never
    raised to the desk."""
    for listener in listeners(db):
        try:
            listener(head)
        except Exception as exc:  # noqa: BLE001 - the write is already committed; the desk must work on
            log.warning("a commit listener failed after a saved write (the write itself is saved): %s",
                        type(exc).__name__)
