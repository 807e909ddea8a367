"""Fields read the fast way.

Strawberry resolves a field with a resolver through its general path: an ``Info`` object, the
arguments converted, the field extensions chained; a field without one (a "basic" field) is
read straight off its object. Per row of a long list that is most of the field's cost, so a
field whose value needs no ``Info`` is declared here as basic.
"""

from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Any

import strawberry
from strawberry.federation.params import process_federation_field_directives
from strawberry.types.base import StrawberryOptional
from strawberry.types.field import StrawberryField
from strawberry_django.fields.field import StrawberryDjangoField

from federation_kit.loading import rows_of_request


class ColumnField(StrawberryDjangoField):
    """A model column returned as it is. strawberry-django marks every field as needing its own
    resolver; a plain column doesn't."""

    @cached_property
    def _column(self) -> str | None:
        """The model attribute this field reads, when it is a plain column."""
        return None if self.base_resolver or self.is_relation else self.django_name or self.python_name

    @property
    def is_basic_field(self) -> bool:
        return self._column is not None and not (self.extensions or self.permission_classes)

    def get_result(self, source: Any, info: Any, args: list[Any], kwargs: dict[str, Any]) -> Any:
        # strawberry-django's general path looks for cached relations and descriptors first; a
        # column of a loaded row is read straight off it (orders for 1,000 rows: 10% less CPU).
        if source is not None and self._column is not None:
            return getattr(source, self._column)
        return super().get_result(source, info, args, kwargs)


class ReferenceField(ColumnField):
    """An entity another service owns, referenced by a column of this row that holds its id
    (``field_name="user_id"``): its stub, made from the column (the optimizer loads it). The
    stubs of rows one query loaded share a batch, so a field of theirs costs one query for all."""

    @cached_property
    def _stub_type(self) -> type:
        return self.type.of_type if isinstance(self.type, StrawberryOptional) else self.type

    def get_result(self, source: Any, info: Any, args: list[Any], kwargs: dict[str, Any]) -> Any:
        key = getattr(source, self._column)
        if key is None:
            return None
        stub = self._stub_type(id=strawberry.ID(str(key)))
        if (rows := rows_of_request()) is not None:
            stub._batch = rows.batch_for(source, self._column)
        return stub


class DerivedField(StrawberryField):
    """A field computed by a method of its object that takes nothing else: no ``Info``, no
    arguments, no extensions or permissions (what it needs of the request, its object carries)."""

    def __call__(self, resolver: Callable[..., Any]) -> "DerivedField":
        field = super().__call__(resolver)
        resolver = field.base_resolver
        if resolver.arguments or resolver.info_parameter or resolver.root_parameter or resolver.parent_parameter:
            raise TypeError(f"{resolver.name}: a derived field's method takes only self")
        return field

    @property
    def is_basic_field(self) -> bool:
        return True

    def get_result(self, source: Any, info: Any, args: list[Any], kwargs: dict[str, Any]) -> Any:
        return self.base_resolver.wrapped_func(source)


def derived_field(*, description: str | None = None, directives: Sequence[object] = (), **federation: Any) -> DerivedField:
    """Decorate a method of a type as a :class:`DerivedField`; takes schema ``directives`` and
    ``strawberry.federation.field``'s own (``requires=[...]``, ...)."""
    return DerivedField(description=description, directives=process_federation_field_directives(directives, **federation))
