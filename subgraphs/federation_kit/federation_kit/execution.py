"""Leaf fields of every row read without a ``GraphQLResolveInfo`` each.

graphql-core builds a ``GraphQLResolveInfo`` (a 15-field tuple) for every field of every row
and then walks the return type's wrappers to complete the value. A plain column (a Strawberry
"basic field": no resolver, no arguments, no field extensions, no permissions) ignores the info
and its type is fixed, so here, for those fields of scalar or enum type, what graphql-core would
work out per row is worked out once per schema, and the field is read and coerced directly.
``__typename``, which the router asks of every entity, is the parent type's name.

Results, errors (message, path, locations) and null handling are graphql-core's: anything
else, such as a value that turns out to be awaitable, goes the general way.
"""

from typing import Any

from graphql import GraphQLField, GraphQLNonNull, GraphQLSchema, is_leaf_type, is_object_type
from graphql.pyutils import Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

# The resolver Strawberry gives a basic field (strawberry.schema.schema_converter.from_resolver).
_BASIC_RESOLVER = "_get_basic_result"

LeafField = tuple[Any, Any, Any]  # (resolver, scalar or enum type, the field's declared type)


def leaf_fields(schema: GraphQLSchema) -> dict[tuple[str, str], LeafField]:
    """(type name, field name) → how to read it, for each basic field of scalar or enum type."""
    found = {}
    for type_name, graphql_type in schema.type_map.items():
        if not is_object_type(graphql_type) or type_name.startswith("__"):
            continue
        for field_name, field in graphql_type.fields.items():
            if (leaf := _leaf_field(field)) is not None:
                found[type_name, field_name] = leaf
    return found


def _leaf_field(field: GraphQLField) -> LeafField | None:
    resolve = field.resolve
    if field.args or resolve is None or getattr(resolve, "__name__", None) != _BASIC_RESOLVER:
        return None
    named = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
    return (resolve, named, field.type) if is_leaf_type(named) else None


class LeafFieldsExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, with the fields of ``leaf_fields`` read directly
    (subclassed per schema by :func:`execution_context_for`)."""

    leaf_fields: dict[tuple[str, str], LeafField] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Middleware wraps every resolver and takes the info: then every field goes the general way.
        self._direct = not (self.middleware_manager and self.middleware_manager.middlewares)

    def execute_field(self, parent_type, source, field_details_list, path, position_context):
        field_node = field_details_list[0].node
        name = field_node.name.value
        if name == "__typename":
            return parent_type.name
        leaf = self.leaf_fields.get((parent_type.name, name)) if self._direct else None
        if leaf is None:
            return super().execute_field(parent_type, source, field_details_list, path, position_context)
        resolve, leaf_type, return_type = leaf
        try:
            result = resolve(source, None)
            if isinstance(result, Exception):
                raise result
            if result is None or result is Undefined:
                if return_type is not leaf_type:
                    raise TypeError(f"Cannot return null for non-nullable field {parent_type.name}.{name}.")
                return None
            if self.is_awaitable(result):
                info = self.build_resolve_info(
                    self.schema.get_field(parent_type, name), [d.node for d in field_details_list], parent_type, path
                )
                return self.complete_awaitable_value(
                    return_type, field_details_list, info, path, result, position_context
                )
            return self.complete_leaf_value(leaf_type, result)
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None


def execution_context_for(schema: GraphQLSchema) -> type[LeafFieldsExecutionContext]:
    return type(
        "LeafFieldsExecutionContext", (LeafFieldsExecutionContext,), {"leaf_fields": leaf_fields(schema)}
    )
