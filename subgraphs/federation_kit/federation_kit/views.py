"""The HTTP side of a service: its GraphQL endpoint and its health check."""

from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from strawberry.django.views import GraphQLView

from federation_kit.graphiql import LocalGraphiQL, graphiql_asset_urls

from federation_kit.auth import Viewer


@dataclass
class Context:
    """What every resolver gets as ``info.context``."""

    request: HttpRequest
    response: HttpResponse
    viewer: Viewer  # set by SubgraphGuardMiddleware from the verified token


@method_decorator(csrf_exempt, name="dispatch")
class SubgraphView(LocalGraphiQL, GraphQLView):
    """Strawberry's sync view: measured faster than the async one for these subgraphs."""

    def get_context(self, request: HttpRequest, response: HttpResponse) -> Context:
        return Context(request=request, response=response, viewer=request.viewer)


def health(request: HttpRequest) -> JsonResponse:
    """200 when the service can reach its own database, 503 when it cannot."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any database failure means "not ready"; the reason goes to the log
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "service": settings.SERVICE_NAME})


def subgraph_urls(schema) -> list:
    """``/graphql`` and ``/health``, the same on every service (and GraphiQL's assets where it is on)."""
    return [
        path("graphql", SubgraphView.as_view(schema=schema, graphql_ide="graphiql" if settings.GRAPHIQL else None)),
        path("health", health),
        *graphiql_asset_urls(),
    ]
