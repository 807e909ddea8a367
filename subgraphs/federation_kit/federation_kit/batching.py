"""Load a field for many objects with one query, although sync execution resolves them one by one.

GraphQL's sync executor completes list items depth-first, so a field of each item is resolved
once per item. Entities of one type that come in together share an :class:`EntityBatch`
(``federation_kit.loading``); the first of them to need a field loads it for all: the stubs
``_entities`` builds from one batch of representations, and the stubs a
:class:`~federation_kit.fields.ReferenceField` makes from rows one SQL query loaded.
"""

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from operator import attrgetter
from typing import Any

from django.db.models import QuerySet
from strawberry.types import Info
from strawberry_django.optimizer import OptimizerConfig, optimize

from federation_kit.loading import EntityBatch

# ``only()`` would defer the foreign key the rows are grouped by, costing a query per row.
_BATCH_OPTIMIZER = OptimizerConfig(enable_only=False)


class EntityStub:
    """Base for an entity owned by another service, to which this service adds fields.

    Its ``_batch`` is set by whoever makes it: ``_entities`` or a ``ReferenceField``. One made
    otherwise is a batch of one, without the request's context.
    """

    @property
    def context(self) -> Any:
        """The request's context, for its derived fields (see ``federation_kit.fields.DerivedField``)."""
        batch = self.__dict__.get("_batch")
        if batch is None or batch.context is None:
            raise RuntimeError(f"{type(self).__name__} {self.id} was made outside a GraphQL request's batching")
        return batch.context

    def batched(self, name: Hashable, fetch: Callable[[list[int]], Mapping[int, Any]], default: Any = None) -> Any:
        batch = self.__dict__.get("_batch")
        if batch is None:
            batch = self._batch = EntityBatch([int(self.id)])
        return batch.load(name, int(self.id), fetch, default)


def group_by(objects: Iterable[Any], attribute: str, *, sorted_by: str | None = None) -> dict[int, list[Any]]:
    """``objects`` by their ``attribute``, each group sorted by ``sorted_by`` when given: sorting
    each group's few rows here costs less than an ORDER BY over the whole batch in SQL."""
    groups: dict[int, list[Any]] = defaultdict(list)
    for obj in objects:
        groups[getattr(obj, attribute)].append(obj)
    if sorted_by is not None:
        key = attrgetter(sorted_by)
        for group in groups.values():
            group.sort(key=key)
    return groups


def optimized(queryset: QuerySet, info: Info) -> QuerySet:
    """``queryset`` with the prefetches the selection under ``info`` needs (strawberry-django's optimizer)."""
    return optimize(queryset, info, config=_BATCH_OPTIMIZER)
