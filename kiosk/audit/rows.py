"""Row seals: every row a decision rests on (staff, pupils, carers, tags, custody, exceptions, searches, DSL notes)
carries HMAC(row key, table ‖ id ‖ the content of its columns), written here and only here.

Someone who can edit the database but not read the key file cannot make a seal: a role set to dsl in SQL, a PIN hash
copied from another account (the seal binds the row's id), a carer added or a note reworded no longer verify. Each
write also records the row's new seal in its audit event (`rows=` of kiosk.audit.append_event, a column the chain
seals and retention never erases), so `kiosk audit verify` also catches a row put back to an older sealed version,
a row deleted, or one brought back after the kiosk removed it.

The row key is derived from the audit key, so every caller that can append an event can seal the rows it writes.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from peewee import (
    AutoField,
    BooleanField,
    Database,
    DateField,
    DateTimeField,
    Field,
    FloatField,
    ForeignKeyField,
    IntegerField,
    Model,
)

from kiosk.clock import to_db
from kiosk.db.models import SEALED_MODELS, Event
from kiosk.db.rows import tuples

REMOVED = "-"  # a token's seal when the kiosk removed the row (purge, a roster import's carers)
BY_TABLE: dict[str, Any] = {model._meta.table_name: model for model in SEALED_MODELS}
# Columns no decision rests on, left out of the seal so writing them needs no event: when a label was printed.
_UNSEALED = {"tag": frozenset({"label_printed_at"})}
# Columns added after rows were first sealed (schema 4). While NULL, as the migration leaves every row it finds, a
# column is left out of the seal, so a row sealed before it existed still verifies; once it holds a value it is
# sealed like any other, and setting it back to NULL by hand changes the seal all the same.
LATER_COLUMNS = {"carer": frozenset({"mobile", "email", "collection", "access_notes", "lives_with_pupil",
                                     "no_communications"}),  # schema 5 (issue 16)
                 "staff": frozenset({"year_group",  # schema 7 (issue 16)
                                     "email"}),  # schema 10 (issue 18)
                 "tag": frozenset({"phone_json"})}  # schema 11 (issue 16): the phone on a pupil's tag


@functools.lru_cache(maxsize=8)
def row_key(audit_key: bytes) -> bytes:
    return hmac.new(audit_key, b"row-seal", hashlib.sha256).digest()


@functools.cache
def _fields_of(model: Any) -> tuple[Field, ...]:
    """The columns a row's seal covers: all but its id, its seal, and the few in _UNSEALED."""
    skip = {"id", "seal"} | _UNSEALED.get(model._meta.table_name, frozenset())
    return tuple(sorted((f for f in model._meta.sorted_fields if f.column_name not in skip),
                        key=lambda f: f.column_name))


def sealed_fields(model: Any) -> tuple[Field, ...]:
    """The columns a row's seal covers: all but its id, its seal, and the few in _UNSEALED."""
    return _fields_of(model)


def seal_values(audit_key: bytes, model: Any, row_id: int, values: Mapping[str, Any]) -> str:
    """The seal of row `row_id` of `model` holding `values` (by column name; a column missing is NULL). The values
    may be as the kiosk writes them or as either database hands them back: they are put in one form first."""
    table = model._meta.table_name
    later = LATER_COLUMNS.get(table, frozenset())
    parts = [table, str(int(row_id))]
    parts += [f"{field.column_name}\x1f{_canonical(field, values.get(field.column_name))}"
              for field in sealed_fields(model)
              if not (field.column_name in later and values.get(field.column_name) is None)]
    return hmac.new(row_key(audit_key), "\x1e".join(parts).encode("utf-8"), hashlib.sha256).hexdigest()


def seal_of(audit_key: bytes, row: Any) -> str:
    """The seal a model instance's content should carry."""
    values = {field.column_name: row.__data__.get(field.name) for field in sealed_fields(type(row))}
    return seal_values(audit_key, type(row), row.id, values)


def verifies(audit_key: bytes, row: Any) -> bool:
    """Whether the row still holds what the kiosk sealed."""
    stored = getattr(row, "seal", None)
    return stored is not None and hmac.compare_digest(stored, seal_of(audit_key, row))


def token(model: Any, row_id: int, seal: str) -> str:
    """What an event records of one row it wrote: `table:id:seal`."""
    return f"{model._meta.table_name}:{int(row_id)}:{seal}"


def reseal(audit_key: bytes, model: Any, row_id: int) -> str:
    """Seal row `row_id` as it is now stored (inside the write transaction that changed it); returns its token for
    the event that records the change. Read back from the database, so what is sealed is what is stored (a note
    kept as ciphertext is sealed as ciphertext)."""
    row = model.get_by_id(row_id)
    seal = seal_of(audit_key, row)
    model.update(seal=seal).where(model.id == row_id).execute()
    return token(model, row_id, seal)


def reseal_many(audit_key: bytes, model: Any, ids: Iterable[int], *, changed_only: bool = False) -> list[str]:
    """`reseal` for many rows of one table (a roster import, a purge). `changed_only`: tokens only for rows whose
    seal changed (a roster import refreshing pupils the MIS still has as they were)."""
    tokens = []
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), 500):
        rows: Any = model.select().where(model.id.in_(wanted[start:start + 500]))
        for row in rows:
            seal = seal_of(audit_key, row)
            if row.seal != seal:
                model.update(seal=seal).where(model.id == row.id).execute()
            elif changed_only:
                continue
            tokens.append(token(model, row.id, seal))
    return tokens


def removed(model: Any, ids: Iterable[int]) -> list[str]:
    """The tokens of rows the kiosk removed (verify then expects them gone)."""
    return [token(model, row_id, REMOVED) for row_id in sorted(set(ids))]


def parse_tokens(text: str | None) -> list[tuple[str, str, str]]:
    """(table, id, seal) of each token an event recorded; id may be `*` (a bulk sealing)."""
    found = []
    for item in (text or "").split():
        table, _, rest = item.partition(":")
        row_id, _, seal = rest.partition(":")
        found.append((table, row_id, seal))
    return found


def _canonical(field: Field, value: Any) -> str:
    """One text for a value whichever way it arrives: as written (datetimes, bools, enums, model instances) or as
    read back (SQLite's text dates and 0/1, PostgreSQL's own types)."""
    if value is None:
        return "\x00"
    if isinstance(value, Model):
        value = value.get_id()
    if isinstance(field, BooleanField):
        return "1" if value else "0"
    if isinstance(field, (AutoField, IntegerField, ForeignKeyField)):
        return str(int(value))
    if isinstance(field, FloatField):
        return repr(float(value))
    if isinstance(field, DateTimeField):
        if isinstance(value, str):
            value = field.python_value(value)
        if isinstance(value, datetime):
            return to_db(value).isoformat(sep=" ", timespec="microseconds") if value.tzinfo else \
                value.isoformat(sep=" ", timespec="microseconds")
        return str(value)
    if isinstance(field, DateField):
        if isinstance(value, str):
            value = field.python_value(value)
        if isinstance(value, datetime):
            value = value.date()
        return value.isoformat() if isinstance(value, date) else str(value)
    return str(value)


def values_from_row(model: Any, columns: Sequence[str], row: Sequence[Any]) -> dict[str, Any]:
    """A raw row (as a cursor gives it) by column name, for seal_values."""
    return dict(zip(columns, row, strict=True))


def seal_existing(db: Database, *, audit_key: bytes, at: datetime, desk: str) -> int:
    """A database from before row seals (schema < 4), opened with its key (checked first): seal every row it holds,
    recorded by one ROWS_SEALED event naming, per table, the highest id and how many rows it sealed, so that later
    edits are caught. Only ever before the kiosk has recorded any row's seal: afterwards an unsealed row is one added
    by hand, and sealing it would hide that. Returns how many rows were sealed."""
    from kiosk.audit.log import append_event
    from kiosk.db.connection import write_transaction

    models: list[Any] = list(SEALED_MODELS)
    if _sealing_started() or not any(m.select().where(m.seal.is_null()).exists() for m in models):
        return 0
    with write_transaction(db):
        if _sealing_started():  # another desk sealed them a moment ago
            return 0
        tokens, counts = [], {}
        for model in models:
            ids = [row_id for (row_id,) in tuples(model.select(model.id))]
            reseal_many(audit_key, model, ids)
            counts[model._meta.table_name] = len(ids)
            tokens.append(f"{model._meta.table_name}:*:{max(ids, default=0)}:{len(ids)}")
        append_event(key=audit_key, at=at, desk=desk, action="ROWS_SEALED", payload={"rows": counts}, rows=tokens)
    return sum(counts.values())


def _sealing_started() -> bool:
    # From the newest event back: on a database in use the last hand-in recorded a seal, so this reads one row.
    newest = Event.select(Event.seq).where(Event.row_seals.is_null(False)).order_by(Event.seq.desc()).first()
    return newest is not None
