"""Storage: peewee models, opening SQLite or PostgreSQL, and schema migrations."""

from kiosk.db.connection import DatabaseError, open_database, write_transaction
from kiosk.db.models import (
    AuditHead,
    Carer,
    Custody,
    DslNote,
    Event,
    PhoneException,
    Pupil,
    Search,
    Setting,
    Staff,
    Tag,
    database_proxy,
)

__all__ = [
    "AuditHead", "Carer", "Custody", "DatabaseError", "DslNote", "Event", "PhoneException", "Pupil", "Search",
    "Setting", "Staff", "Tag", "database_proxy", "open_database", "write_transaction",
]
