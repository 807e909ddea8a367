"""graphene-django's GraphQLView with the two caches ours has (federation_kit.schema's ParsedOnce
and ValidationCache): each query text parsed and validated once a process, not per request.

graphene-django's view calls graphql-core's ``parse`` and ``validate`` through its module's names,
and has no hook for either, so those two names are replaced with cached ones.
"""

from functools import lru_cache

import graphene_django.views
from graphql import DocumentNode, GraphQLError, GraphQLSchema
from graphql.validation import validate

MAX_DOCUMENTS = 256  # as ours: bounded against clients that send ever-new texts

graphene_django.views.parse = lru_cache(maxsize=MAX_DOCUMENTS)(graphene_django.views.parse)

# The errors of each parsed document, keyed by the document object the cached parse returns (kept
# alive with its entry: an id is only unique while its object lives).
_validated: dict[int, tuple[DocumentNode, list[GraphQLError]]] = {}


def _validate_once(schema: GraphQLSchema, document: DocumentNode, rules=None, max_errors=None) -> list[GraphQLError]:
    known = _validated.get(id(document))
    if known is None or known[0] is not document:
        if len(_validated) >= MAX_DOCUMENTS:
            _validated.clear()
        known = _validated[id(document)] = (document, validate(schema, document, rules, max_errors))
    return known[1]


graphene_django.views.validate = _validate_once
GraphQLView = graphene_django.views.GraphQLView
