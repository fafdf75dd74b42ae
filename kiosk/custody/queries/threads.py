"""A worker thread that has read what it needs gives back its connection (peewee keeps one per thread)."""

from __future__ import annotations

from kiosk.db.models import database_proxy


def finished_reading() -> None:
    """Close this thread's own connection, if it has one open: a report worker calls it when its reading is done,
    so a thread that ends does not leave a connection behind on the server."""
    db = database_proxy.obj
    if db is not None and not db.is_closed():
        db.close()
