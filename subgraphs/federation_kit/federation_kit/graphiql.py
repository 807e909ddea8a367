"""GraphiQL on a service's /graphql with nothing loaded from outside the machine.

Strawberry's own GraphiQL page loads React and GraphiQL from a public CDN. This one serves the
same files from this package (static/federation_kit/graphiql/, README there), at
/graphiql-assets/. Like the IDE itself, the assets are served only when settings.GRAPHIQL is
true: a development tool.
"""

from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.static import serve
from graphql import (
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
    is_leaf_type,
    is_non_null_type,
    is_required_argument,
)

ASSETS_DIR = Path(__file__).resolve().parent / "static" / "federation_kit" / "graphiql"


def _needs_arguments(field: GraphQLField) -> bool:
    return any(is_required_argument(argument) for argument in field.args.values())


def example_query(schema: GraphQLSchema) -> str:
    """A first query to run: the first list of Query that needs no argument, with the scalar fields
    that always have a value (a nullable one may be withheld from an anonymous caller, with an error)."""
    for name, field in schema.query_type.fields.items():
        item = get_named_type(field.type)
        if name.startswith("_") or _needs_arguments(field) or not isinstance(item, GraphQLObjectType):
            continue
        scalars = [
            n
            for n, f in item.fields.items()
            if is_non_null_type(f.type) and is_leaf_type(get_named_type(f.type)) and not _needs_arguments(f)
        ]
        arguments = "(pagination: { limit: 5 })" if "pagination" in field.args else ""
        return f"{{\n  {name}{arguments} {{\n" + "".join(f"    {n}\n" for n in scalars) + "  }\n}\n"
    return "{\n  _service {\n    sdl\n  }\n}\n"


def default_query(service: str, schema: GraphQLSchema) -> str:
    intro = (
        f"# The {service} subgraph alone. Clients query the\n"
        "# supergraph through the router instead (its explorer:\n"
        "# Hive Laboratory, at the router's /graphql).\n"
        "#\n"
        "# Orders, payments and emails are for their owner\n"
        "# and staff: without a token, lists of orders and\n"
        "# payments are empty. Log in through the router,\n"
        "# then in Headers:\n"
        '# {"Authorization": "Bearer <token>"}\n'
        "#\n"
        "# Ctrl-Enter runs the query below.\n\n"
    )
    return intro + example_query(schema)


class LocalGraphiQL:
    """For Strawberry's GraphQLView: its IDE page, with the assets served by this service."""

    def render_graphql_ide(self, request: HttpRequest) -> HttpResponse:
        service = settings.SERVICE_NAME
        query = default_query(service, self.schema._schema)  # strawberry's graphql-core schema
        return render(request, "federation_kit/graphiql.html", {"service": service, "default_query": query})


def graphiql_asset_urls() -> list[URLPattern]:
    if not settings.GRAPHIQL:
        return []
    return [path("graphiql-assets/<path:path>", serve, {"document_root": ASSETS_DIR}, name="graphiql-asset")]
