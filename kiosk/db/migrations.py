"""Schema versions. Each migration runs once, in a transaction, when the kiosk starts."""

from __future__ import annotations

from collections.abc import Callable

from peewee import Database, Model, SqliteDatabase

from kiosk.db.connection import longer_wait
from kiosk.db.models import ALL_MODELS, AuditHead, Setting
from kiosk.db.waits import MIGRATION_WAIT_SECONDS

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


def _add_missing_columns(db: Database, model: type[Model], names: list[str]) -> None:
    """Add columns an older database lacks. A new database already has them (v1 creates the current
    tables), so each migration after v1 only adds what is missing."""
    from playhouse.migrate import SchemaMigrator, migrate

    table = model._meta.table_name
    present = {c.name for c in db.get_columns(table)}
    migrator = SchemaMigrator.from_database(db)
    steps = [migrator.add_column(table, model._meta.fields[n].column_name, model._meta.fields[n])
             for n in names if model._meta.fields[n].column_name not in present]
    if steps:
        migrate(*steps)


def _v2_confiscation(db: Database) -> None:
    from kiosk.db.models import Custody, DslNote, Search

    _add_missing_columns(db, Custody, ["reason_category", "location", "confiscated_by_name", "exam_incident",
                                       "held_until", "details_json", "confiscated_at"])
    db.create_tables([Search, DslNote], safe=True)
    for sql in ("CREATE INDEX IF NOT EXISTS custody_kind_opened ON custody (kind, opened_at)",
                "CREATE INDEX IF NOT EXISTS event_action_at ON event (action, at)"):
        db.execute_sql(sql)


def _v3_desk_speed(db: Database) -> None:
    # The desk header counts "handed back today" after every scan: without this index SQLite walked a
    # year of RETURNED rows (61–116 ms a scan on 196,000 custodies; 1 ms with it). See docs/performance.md.
    from kiosk.db.models import DeskDay

    db.execute_sql("CREATE INDEX IF NOT EXISTS custody_state_closed ON custody (state, closed_at)")
    db.create_tables([DeskDay], safe=True)


def _v4_row_seals(db: Database) -> None:
    # Each row a decision rests on carries its seal, and each event the seals of the rows it wrote. Rows already
    # here are sealed the first time the database is opened with its key (kiosk/audit/rows.py, seal_existing):
    # a migration runs before the key is known, and the database package never sees the key.
    from kiosk.db.models import SEALED_MODELS, Event

    for model in SEALED_MODELS:
        if db.table_exists(model._meta.table_name):  # a table a later version adds is created with its seal
            _add_missing_columns(db, model, ["seal"])
    _add_missing_columns(db, Event, ["row_seals"])


def _v5_carers_as_the_mis_knows_them(db: Database) -> None:
    # Each contact's mobile, email, may / must not collect, court-order or access notes, whether they live with the
    # pupil and the MIS's "no contact" flag (issue 16). Existing carers get NULL ("the MIS did not say"), which
    # their seal leaves out (kiosk/audit/rows.py, LATER_COLUMNS), so a carer sealed under schema 4 still verifies.
    from kiosk.db.models import Carer

    _add_missing_columns(db, Carer, ["mobile", "email", "collection", "access_notes", "lives_with_pupil",
                                     "no_communications"])


def _v6_print_history(db: Database) -> None:
    # Every print job of labels is a row, followed to its end (issue 17). Not sealed: no custody decision rests
    # on it; the labels it printed are audited by their LABELS_PRINTED event, which names the job.
    from kiosk.db.models import PrintJob

    db.create_tables([PrintJob], safe=True)


def _v7_year_groups(db: Database) -> None:
    # A head of year's year group. Staff rows sealed before it existed still verify: a NULL column added after row
    # seals is left out of a seal (kiosk/audit/rows.py, LATER_COLUMNS).
    from kiosk.db.models import Staff

    _add_missing_columns(db, Staff, ["year_group"])


def _v8_outbox(db: Database) -> None:
    # Messages to carers and staff: a row first, sent later by the outbox worker (kiosk/mail/outbox.py).
    from kiosk.db.models import OutboxMessage

    db.create_tables([OutboxMessage], safe=True)
    db.execute_sql("CREATE INDEX IF NOT EXISTS outboxmessage_state_next ON outbox_message (state, next_try_at)")


def _v9_concerns_and_examinations(db: Database) -> None:
    # New sealed tables: their rows are sealed as they are written (none exists before this version).
    from kiosk.db.models import Examination, HoldConcern

    db.create_tables([HoldConcern, Examination], safe=True)


def _v10_staff_email(db: Database) -> None:
    # Staff emailed by the outbox. Rows sealed before it existed still verify: a NULL column added after row seals
    # is left out of a seal (kiosk/audit/rows.py, LATER_COLUMNS).
    from kiosk.db.models import Staff

    _add_missing_columns(db, Staff, ["email"])


def _v12_access_notes_at_rest(db: Database) -> None:
    # Carers' court-order and access notes are kept encrypted from this version (kiosk/privacy/at_rest.py). The
    # schema does not change, but its number does: a kiosk older than this one must refuse the database (it would
    # show the ciphertext at the release desk and write new notes in clear). The values already here are encrypted,
    # and their carers sealed again under one audited event, at the first open with the key, straight after this
    # migration (kiosk/storage/opening.py): the database package never holds the key.
    del db


def _v13_desk_sessions(db: Database) -> None:
    # Every event names the session that recorded it; a member of staff signed in at a live session is known to
    # the other desks (kiosk/auth/desk_sessions.py).
    from kiosk.db.models import DeskSession, Event

    _add_missing_columns(db, Event, ["session"])
    db.create_tables([DeskSession], safe=True)


MIGRATIONS: list[tuple[int, str, Callable[[Database], None]]] = [
    (1, "initial schema", _v1_initial),
    (2, "confiscation particulars, searches, DSL notes", _v2_confiscation),
    (3, "index for the desk's counts; desk time per day", _v3_desk_speed),
    (4, "row seals", _v4_row_seals),
    (5, "carers as the MIS knows them", _v5_carers_as_the_mis_knows_them),
    (6, "print history", _v6_print_history),
    (7, "a head of year's year group", _v7_year_groups),
    (8, "the outbox: messages to carers and staff", _v8_outbox),
    (9, "the kind of a safeguarding concern; examinations of a phone's data", _v9_concerns_and_examinations),
    (10, "staff email addresses", _v10_staff_email),
    (12, "carers' court-order and access notes encrypted at rest", _v12_access_notes_at_rest),
    (13, "the session on every event; who is signed in at which live session", _v13_desk_sessions),
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
    sqlite = isinstance(db, SqliteDatabase)
    if current_version(db) == LATEST:
        return LATEST
    if sqlite:
        # SQLite rebuilds a table to change a column; foreign keys must be off for that, and can only be
        # switched outside a transaction. They are checked as a whole before the migration commits.
        db.execute_sql("PRAGMA foreign_keys = OFF")
    try:
        with db.atomic("IMMEDIATE") if sqlite else db.atomic(), longer_wait(db, MIGRATION_WAIT_SECONDS):
            # A schema change over a year of data may take minutes; it runs at start-up, before the desk takes a
            # scan, so it is not cut at the desk's bound (its lock is taken under that bound all the same).
            version = current_version(db)
            if version > LATEST:
                raise SchemaTooNew(
                    f"This database is at schema version {version}, newer than this kiosk understands "
                    f"({LATEST}). Update the kiosk software on this PC."
                )
            for number, _title, apply in MIGRATIONS:
                if number > version:
                    apply(db)
                    (Setting.insert(key="schema_version", value=str(number))
                     .on_conflict(conflict_target=[Setting.key], update={Setting.value: str(number)}).execute())
                    version = number
            if sqlite and db.execute_sql("PRAGMA foreign_key_check").fetchall():
                raise RuntimeError("the migration left broken references; nothing was changed")
    finally:
        if sqlite:
            db.execute_sql("PRAGMA foreign_keys = ON")
    return version
