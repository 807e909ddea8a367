"""What one GraphQL request loaded together, for batching. Django only (the bench's peers
import the product's models, and with them :class:`LoadedTogetherQuerySet`, without Strawberry).

A model whose manager is :class:`LoadedTogetherQuerySet` records, while :func:`recording_rows`
is active (``federation_kit.schema`` keeps it for each GraphQL operation), which rows came from
the same SQL query, so that the entity stubs those rows reference can share one batch
(``orders { user { orders } }``: the orders of all those users in one query).
"""

from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db.models import QuerySet
from django.db.models.query import ModelIterable


class EntityBatch:
    """Entities of one type resolved together; loads each added field once for all of them.
    ``context`` is the request's (``info.context``), for fields computed without ``Info``."""

    def __init__(self, keys: Iterable[int], context: Any = None) -> None:
        self.keys = list(keys)
        self.context = context
        self._loaded: dict[Hashable, Mapping[int, Any]] = {}

    def load(self, name: Hashable, key: int, fetch: Callable[[list[int]], Mapping[int, Any]], default: Any) -> Any:
        if name not in self._loaded:
            self._loaded[name] = fetch(self.keys)
        return self._loaded[name].get(key, default)


class _RowsOfOneQuery:
    """Rows one SQL query loaded; the stubs they reference through a column share one batch."""

    __slots__ = ("batches", "rows")

    def __init__(self, rows: list[Any]) -> None:
        self.rows = rows
        self.batches: dict[str, EntityBatch] = {}


class RowsOfRequest:
    """For one GraphQL request: which rows were loaded together, and the request's context."""

    def __init__(self, context: Any) -> None:
        self.context = context
        self._query_of_row: dict[int, _RowsOfOneQuery] = {}  # by id(row): the rows stay alive meanwhile

    def loaded(self, rows: list[Any]) -> None:
        together = _RowsOfOneQuery(rows)
        for row in rows:
            self._query_of_row[id(row)] = together

    def batch_for(self, row: Any, column: str) -> EntityBatch:
        """The batch of the stub that ``row`` references by ``column``: shared with the rows loaded with it."""
        together = self._query_of_row.get(id(row))
        if together is None:  # e.g. a row a mutation created
            return EntityBatch([getattr(row, column)], self.context)
        batch = together.batches.get(column)
        if batch is None:
            keys = dict.fromkeys(key for other in together.rows if (key := getattr(other, column)) is not None)
            batch = together.batches[column] = EntityBatch(keys, self.context)
        return batch


_rows_of_request: ContextVar[RowsOfRequest | None] = ContextVar("rows_of_request", default=None)


def rows_of_request() -> RowsOfRequest | None:
    """The current GraphQL request's record of rows, if in one."""
    return _rows_of_request.get()


@contextmanager
def recording_rows(context: Any) -> Iterator[None]:
    """Record, until the block ends, which rows are loaded together (one GraphQL request's execution)."""
    token = _rows_of_request.set(RowsOfRequest(context))
    try:
        yield
    finally:
        _rows_of_request.reset(token)


class _RecordedModelIterable(ModelIterable):
    def __iter__(self) -> Iterator[Any]:
        record = _rows_of_request.get()
        if record is None or self.chunked_fetch:  # outside GraphQL, or .iterator(): stream as Django does
            yield from super().__iter__()
            return
        rows = list(super().__iter__())
        if len(rows) > 1:
            record.loaded(rows)
        yield from rows


class LoadedTogetherQuerySet(QuerySet):
    """A QuerySet whose rows, loaded during a GraphQL request, are known to have come together."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._iterable_class = _RecordedModelIterable
