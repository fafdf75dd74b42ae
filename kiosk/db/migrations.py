"""Schema versions. Each migration runs once, in a transaction, when the kiosk starts."""

from __future__ import annotations

from collections.abc import Callable

from peewee import Database, SqliteDatabase

from kiosk.db.models import ALL_MODELS, AuditHead, Setting

OPEN_STATES_SQL = "closed_at IS NULL"


def _v1_initial(db: Database) -> None:
    db.create_tables(ALL_MODELS)
    # One open custody per tag and per slot: partial unique indexes, so even two desks cannot duplicate.
    db.execute_sql(f"CREATE UNIQUE INDEX custody_one_open_per_tag ON custody (tag_id) WHERE {OPEN_STATES_SQL}")
    db.execute_sql(
        "CREATE UNIQUE INDEX custody_one_open_per_slot ON custody (slot_box, slot_position) "
        f"WHERE {OPEN_STATES_SQL} AND slot_box IS NOT NULL"
    )
    db.execute_sql("CREATE INDEX custody_pupil_opened ON custody (pupil_id, opened_at)")
    db.execute_sql("CREATE INDEX custody_tag_closed ON custody (tag_id, closed_at)")
    db.execute_sql("CREATE INDEX event_custody_seq ON event (custody_id, seq)")
    AuditHead.create(id=1, seq=0, chain="0" * 64)


MIGRATIONS: list[tuple[int, str, Callable[[Database], None]]] = [
    (1, "initial schema", _v1_initial),
]
LATEST = MIGRATIONS[-1][0]


class SchemaTooNew(Exception):
    pass


def current_version(db: Database) -> int:
    if not db.table_exists("setting"):
        return 0
    row = Setting.get_or_none(Setting.key == "schema_version")
    return int(row.value) if row else 0


def migrate_to_latest(db: Database) -> int:
    """Apply every pending migration; returns the version now in force."""
    lock = db.atomic("IMMEDIATE") if isinstance(db, SqliteDatabase) else db.atomic()
    with lock:
        version = current_version(db)
        if version > LATEST:
            raise SchemaTooNew(
                f"This database is at schema version {version}, newer than this kiosk understands ({LATEST}). "
                "Update the kiosk software on this PC."
            )
        for number, _title, apply in MIGRATIONS:
            if number > version:
                apply(db)
                (Setting.insert(key="schema_version", value=str(number))
                 .on_conflict(conflict_target=[Setting.key], update={Setting.value: str(number)}).execute())
                version = number
    return version
