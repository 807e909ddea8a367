"""The HTTP side of a service: its GraphQL endpoint, its health check and its metrics."""

import logging

from cross_web import HTTPException
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from strawberry.django.views import GraphQLView

from federation_kit.graphiql import LocalGraphiQL, graphiql_asset_urls
from federation_kit.observability import metrics_view

from federation_kit.context import Context
from federation_kit.errors import ErrorCode

logger = logging.getLogger(__name__)


class SubgraphView(LocalGraphiQL, GraphQLView):
    """Strawberry's sync view: measured faster than the async one for these subgraphs."""

    def get_context(self, request: HttpRequest, response: HttpResponse) -> Context:
        return Context(request=request, response=response, viewer=request.viewer)

    def parse_json(self, data: str | bytes) -> object:
        try:
            return super().parse_json(data)
        except RecursionError:  # Python's json reads nesting by recursion: ~1,000 levels end it
            raise HTTPException(400, "The request body's JSON nests too deeply") from None

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        """Strawberry refuses a malformed request (variables not an object, no query, ...) in plain
        text; answer it as a GraphQL error with a code, like every other error."""
        if (request.method == "POST" or "query" in request.GET) and (unavailable := _database_unavailable()):
            return unavailable
        try:
            return self.run(request=request)
        except HTTPException as error:
            body = {"data": None, "errors": [{"message": error.reason, "extensions": {"code": ErrorCode.BAD_REQUEST.value}}]}
            return JsonResponse(body, status=error.status_code)


def _database_unavailable() -> JsonResponse | None:
    """An answer that says so when the service cannot reach its database, before anything runs:
    nothing was done, and a retry may succeed; not INTERNAL_SERVER_ERROR, which says a bug. What
    the request's first query would do anyway: check a kept connection (CONN_HEALTH_CHECKS), then
    open one if there is none."""
    try:
        connection.close_if_health_check_failed()
        connection.ensure_connection()
    except DatabaseError as error:  # libpq's message (host and port, never the password), not a traceback per request
        logger.warning("the database does not answer, requests are refused until it does: %s", (str(error).strip().splitlines() or [type(error).__name__])[0])
        message = f"The {settings.SERVICE_NAME} service cannot reach its database: nothing was done, retry later"
        extensions = {"code": ErrorCode.DEPENDENCY_UNAVAILABLE.value, "serviceName": settings.SERVICE_NAME}
        return JsonResponse({"data": None, "errors": [{"message": message, "extensions": extensions}]})
    return None


def health(request: HttpRequest) -> JsonResponse:
    """200 when the service can reach its own database, 503 when it cannot."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any database failure means "not ready"; the reason goes to the log
        logger.warning("health check: the database does not answer", exc_info=True)
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "service": settings.SERVICE_NAME})


def subgraph_urls(schema) -> list:
    """``/graphql``, ``/health`` and ``/metrics`` (Prometheus; a plain GET, like /health), the same
    on every service (and GraphiQL's assets where it is on)."""
    return [
        # Exempted once here: as a method decorator of dispatch it wrapped the method on every request.
        path("graphql", csrf_exempt(SubgraphView.as_view(schema=schema, graphql_ide="graphiql" if settings.GRAPHIQL else None))),
        path("health", health),
        path("metrics", metrics_view),
        *graphiql_asset_urls(),
    ]
