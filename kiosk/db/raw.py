"""Hand-written SQL for the few statements every scan runs (hand in, hand back, the audit append, resolving a scan,
the desk's counts), on SQLite and PostgreSQL alike.

On a modest office PC peewee spends ~0.5 ms building each statement from its expression tree and ~0.3 ms turning
a row into a model (docs/performance.md, B2): most of a hand-in's time. These statements are written out once, with
`?` placeholders translated to the database's own (peewee's `db.param`); they still run through peewee's
`execute_sql`, so failures arrive as peewee's IntegrityError / OperationalError like every other query's, and the
values passed are the same Python objects peewee would pass. Everything else stays with the models.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, TypeVar

from peewee import Model, PostgresqlDatabase

from kiosk.db.models import database_proxy

M = TypeVar("M", bound=Model)


def execute(sql: str, params: Sequence[Any] = ()) -> Any:
    """Run `sql` (written with `?` placeholders, no literal `?` or `%`) on the bound database; returns the cursor."""
    db = database_proxy.obj
    return db.execute_sql(_placeholders(sql, db.param), params)


def insert(sql: str, params: Sequence[Any]) -> int:
    """Run an INSERT into a table whose key is `id`; returns the new row's id."""
    db = database_proxy.obj
    if isinstance(db, PostgresqlDatabase):
        return int(db.execute_sql(_placeholders(sql + " RETURNING id", db.param), params).fetchone()[0])
    # lastrowid rather than RETURNING: RETURNING needs SQLite 3.35, older than some office PCs' Python bundles.
    return int(db.execute_sql(sql, params).lastrowid)


@functools.cache
def _placeholders(sql: str, param: str) -> str:
    return sql if param == "?" else sql.replace("?", param)


@functools.cache
def columns(model: type[Model], alias: str) -> str:
    """`alias.col, alias.col, …` for every column of `model`, in the order `from_row` reads them."""
    return ", ".join(f"{alias}.{field.column_name}" for field in model._meta.sorted_fields)


def from_row(model: type[M], row: Sequence[Any], start: int = 0, **related: Model) -> M:
    """A model instance from the columns `columns(model, …)` selected, starting at `row[start]`, converted exactly
    as peewee converts them (SQLite's text dates and 0/1 booleans become dates and bools). `related` sets foreign
    keys to instances already in hand (tag.pupil), as a peewee join would."""
    values = {field.name: field.python_value(row[start + i]) for i, field in enumerate(model._meta.sorted_fields)}
    values.update(related)
    return model(**values)


def width(model: type[Model]) -> int:
    """How many columns `columns(model, …)` selects."""
    return len(model._meta.sorted_fields)
