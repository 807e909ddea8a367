"""Load a field for many objects with one query, although sync execution resolves them one by one.

GraphQL's sync executor completes list items depth-first, so a field of each ``_entities``
result is resolved once per entity. The entities built together share an
:class:`EntityBatch`; the first of them to need a field loads it for all.
"""

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any, Self

import strawberry
from django.db.models import QuerySet
from strawberry.types import Info
from strawberry_django.optimizer import OptimizerConfig, optimize

# ``only()`` would defer the foreign key the rows are grouped by, costing a query per row.
_BATCH_OPTIMIZER = OptimizerConfig(enable_only=False)


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


class EntityStub:
    """Base for an entity owned by another service, to which this service adds fields.

    A stub made by ``_entities`` shares its batch with its siblings; one made alone
    (e.g. ``Payment.order``) is a batch of one.
    """

    @classmethod
    def alone(cls, key: int, context: Any) -> Self:
        """The stub of ``key``, made alone in the request whose context is ``context``."""
        stub = cls(id=strawberry.ID(str(key)))
        stub._batch = EntityBatch([key], context)
        return stub

    @property
    def context(self) -> Any:
        """The request's context, for its derived fields (see ``federation_kit.fields.DerivedField``):
        known to a stub made by ``_entities`` or :meth:`alone`."""
        batch = self.__dict__.get("_batch")
        if batch is None or batch.context is None:
            raise RuntimeError(f"{type(self).__name__} {self.id} was made without the request's context: use alone()")
        return batch.context

    def batched(self, name: Hashable, fetch: Callable[[list[int]], Mapping[int, Any]], default: Any = None) -> Any:
        batch = self.__dict__.get("_batch")
        if batch is None:
            batch = self._batch = EntityBatch([int(self.id)])
        return batch.load(name, int(self.id), fetch, default)


def group_by(objects: Iterable[Any], attribute: str) -> dict[int, list[Any]]:
    groups: dict[int, list[Any]] = defaultdict(list)
    for obj in objects:
        groups[getattr(obj, attribute)].append(obj)
    return groups


def optimized(queryset: QuerySet, info: Info) -> QuerySet:
    """``queryset`` with the prefetches the selection under ``info`` needs (strawberry-django's optimizer)."""
    return optimize(queryset, info, config=_BATCH_OPTIMIZER)
