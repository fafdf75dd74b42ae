"""Query results as the plain tuples and dicts they are: peewee's stubs type a `.tuples()` or `.dicts()` query as
yielding models, so these two say what it really yields, once, for mypy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

from peewee import ModelSelect


def tuples(query: ModelSelect[Any]) -> Iterator[tuple[Any, ...]]:
    """Each row of `query` as a tuple of its selected columns, in order."""
    return cast("Iterator[tuple[Any, ...]]", iter(query.tuples()))


def dicts(query: ModelSelect[Any]) -> Iterator[dict[str, Any]]:
    """Each row of `query` as a dict of its selected columns, by name (or alias)."""
    return cast("Iterator[dict[str, Any]]", iter(query.dicts()))
