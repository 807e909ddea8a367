"""``_entities`` at one SQL query per entity type, as the product resolves them.

graphene-federation calls an entity's ``__resolve_reference`` once per representation.
Each call here takes its entity from a batch loaded once for every representation of
its type in the same ``_entities`` field, and kept on the request for the calls after it.
"""

from collections.abc import Callable, Mapping
from typing import Any

from graphql import GraphQLResolveInfo
from graphql.execution.values import get_argument_values


def entity_batch(info: GraphQLResolveInfo, type_name: str, load: Callable[[list[int]], Mapping[int, Any]]) -> Mapping[int, Any]:
    """``load(ids)`` for the ids of all ``type_name`` representations of this ``_entities`` field, once per request."""
    batches = vars(info.context).setdefault("_entity_batches", {})
    key = (info.path.key, type_name)
    if key not in batches:
        field = info.parent_type.fields[info.field_name]
        representations = get_argument_values(field, info.field_nodes[0], info.variable_values)["representations"]
        batches[key] = load([int(r["id"]) for r in representations if r["__typename"] == type_name])
    return batches[key]
