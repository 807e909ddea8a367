"""Rows executed without the per-field costs that graphql-core pays for any field.

graphql-core builds a ``GraphQLResolveInfo`` (a 15-field tuple) for every field of every row,
walks the return type's wrappers to complete the value, and works out the runtime type of
every entity of ``_entities`` by asking each member of the union. Here, per schema:

- a plain column or reference (a Strawberry "basic field": no resolver, no arguments, no
  field extensions, no permissions) ignores the info and its type is fixed: a scalar or enum
  is read and coerced directly, an object (without ``is_type_of``) has its fields executed;
- ``__typename``, which the router asks of every entity, is the parent type's name;
- an entity's type is looked up by its class (``_entities`` returns model instances and
  stubs, never casts).

Results, errors (message, path, locations) and null handling are graphql-core's: anything
else, such as a value that turns out to be awaitable, goes the general way.
"""

import datetime
import decimal
import uuid
from typing import Any, NamedTuple

from graphql import GraphQLField, GraphQLNonNull, GraphQLObjectType, is_leaf_type, is_object_type
from graphql.pyutils import Path, Undefined, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry_django.utils.typing import get_django_definition

# The resolver Strawberry gives a basic field (strawberry.schema.schema_converter.from_resolver).
_BASIC_RESOLVER = "_get_basic_result"


class DirectField(NamedTuple):
    resolve: Any  # Strawberry's basic resolver: reads the value, ignores the info
    leaf_type: Any  # the scalar or enum type, or None
    object_type: Any  # the object type, or None
    return_type: Any  # the field's declared type (non-null or not)


# Values that are never awaitable, and what scalars and enums are coerced to.
_PLAIN = frozenset({str, int, float, bool, decimal.Decimal, datetime.datetime, datetime.date, datetime.time, uuid.UUID})


def direct_fields(schema: Any) -> dict[tuple[str, str], DirectField]:
    """(type name, field name) → how to read it, for each basic field read directly."""
    found = {}
    for type_name, graphql_type in schema._schema.type_map.items():
        if not is_object_type(graphql_type) or type_name.startswith("__"):
            continue
        for field_name, field in graphql_type.fields.items():
            if (direct := _direct_field(field)) is not None:
                found[type_name, field_name] = direct
    return found


def _direct_field(field: GraphQLField) -> DirectField | None:
    resolve = field.resolve
    if field.args or resolve is None or getattr(resolve, "__name__", None) != _BASIC_RESOLVER:
        return None
    named = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
    if is_leaf_type(named):
        return DirectField(resolve, named, None, field.type)
    if is_object_type(named) and named.is_type_of is None:
        return DirectField(resolve, None, named, field.type)
    return None


def entity_types(schema: Any) -> dict[type, GraphQLObjectType]:
    """The member of ``_Entity`` each class of value stands for, as Strawberry's union resolution
    finds it: a stub's class, or a model (the first member it backs). None without ``_Entity``."""
    found: dict[type, GraphQLObjectType] = {}
    entity = schema._schema.get_type("_Entity")
    for member in entity.types if entity is not None else ():
        origin = schema.schema_converter.type_map[member.name].definition.origin
        found.setdefault(origin, member)
        if (django := get_django_definition(origin)) is not None:
            found.setdefault(django.model, member)
    return found


class DirectExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, with ``direct_fields`` read directly and entities' types
    looked up (subclassed per schema by :func:`execution_context_for`)."""

    direct_fields: dict[tuple[str, str], DirectField] = {}
    entity_types: dict[type, GraphQLObjectType] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Middleware wraps every resolver and takes the info: then every field goes the general way.
        self._direct = not (self.middleware_manager and self.middleware_manager.middlewares)

    def execute_fields(self, parent_type, source_value, path, grouped_field_set, position_context):
        """graphql-core's, with the common case read in the loop: a scalar or enum of
        ``direct_fields`` whose value is plain, and ``__typename``. A field's ``Path`` is made
        only when something needs it (an error, a sub-selection)."""
        if not self._direct:
            return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)
        type_name = parent_type.name
        direct_fields = self.direct_fields
        is_awaitable = self.is_awaitable
        results: dict[str, Any] = {}
        awaitable_fields: list[str] = []
        try:
            for response_name, field_details_list in grouped_field_set.items():
                name = field_details_list[0].node.name.value
                if name == "__typename":
                    results[response_name] = type_name
                    continue
                direct = direct_fields.get((type_name, name))
                if direct is None:
                    field_path = Path(path, response_name, type_name)
                    result = super().execute_field(parent_type, source_value, field_details_list, field_path, position_context)
                else:
                    value = _read(direct, source_value)
                    if direct.leaf_type is not None and type(value) in _PLAIN:
                        try:
                            coerced = direct.leaf_type.coerce_output_value(value)
                        except Exception:
                            coerced = None  # _complete_direct below raises it again, located
                        if type(coerced) in _PLAIN:
                            results[response_name] = coerced
                            continue
                    field_path = Path(path, response_name, type_name)
                    result = self._complete_direct(parent_type, name, direct, field_details_list, field_path, value, position_context)
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[field] for field in awaitable_fields])
            raise
        if not awaitable_fields:
            return results
        return _gathered(results, awaitable_fields)

    def execute_field(self, parent_type, source, field_details_list, path, position_context):
        """The same for a field executed on its own (e.g. a mutation's root fields, one after the other)."""
        if not self._direct:
            return super().execute_field(parent_type, source, field_details_list, path, position_context)
        name = field_details_list[0].node.name.value
        if name == "__typename":
            return parent_type.name
        direct = self.direct_fields.get((parent_type.name, name))
        if direct is None:
            return super().execute_field(parent_type, source, field_details_list, path, position_context)
        return self._complete_direct(parent_type, name, direct, field_details_list, path, _read(direct, source), position_context)

    def _complete_direct(self, parent_type, name, direct, field_details_list, path, result, position_context):
        """The value of a field of ``direct_fields``, completed as graphql-core's ``complete_value`` would."""
        leaf_type, object_type, return_type = direct.leaf_type, direct.object_type, direct.return_type
        try:
            if isinstance(result, Exception):
                raise result
            if result is None or result is Undefined:
                if isinstance(return_type, GraphQLNonNull):
                    raise TypeError(f"Cannot return null for non-nullable field {parent_type.name}.{name}.")
                return None
            if self.is_awaitable(result):
                info = self.build_resolve_info(
                    self.schema.get_field(parent_type, name), [d.node for d in field_details_list], parent_type, path
                )
                return self.complete_awaitable_value(
                    return_type, field_details_list, info, path, result, position_context
                )
            if leaf_type is not None:
                return self.complete_leaf_value(leaf_type, result)
            completed = self.collect_and_execute_subfields(object_type, field_details_list, path, result, position_context)
            if self.is_awaitable(completed):
                return self._field_settled(completed, return_type, field_details_list, path)
            return completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None

    async def _field_settled(self, completed, return_type, field_details_list, path):
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None

    def complete_abstract_value(self, return_type, field_details_list, info, path, result, position_context):
        runtime_type = self.entity_types.get(type(result)) if return_type.name == "_Entity" else None
        if runtime_type is None:
            return super().complete_abstract_value(return_type, field_details_list, info, path, result, position_context)
        return self.complete_object_value(runtime_type, field_details_list, info, path, result, position_context)


def _read(direct: DirectField, source: Any) -> Any:
    """The field's value; an exception it raises is its value, as graphql-core treats both alike."""
    try:
        return direct.resolve(source, None)
    except Exception as error:
        return error


async def _gathered(results: dict[str, Any], awaitable_fields: list[str]) -> dict[str, Any]:
    """``results`` with its awaitable values awaited, as graphql-core's ``execute_fields`` does."""
    if len(awaitable_fields) == 1:
        field = awaitable_fields[0]
        results[field] = await results[field]
    else:
        awaited = await gather_with_cancel(*(results[field] for field in awaitable_fields))
        results.update(zip(awaitable_fields, awaited, strict=True))
    return results


def execution_context_for(schema: Any) -> type[DirectExecutionContext]:
    """The execution context of a Strawberry schema: a subgraph's, or the benchmark's monolith."""
    members = {"direct_fields": direct_fields(schema), "entity_types": entity_types(schema)}
    return type("DirectExecutionContext", (DirectExecutionContext,), members)
