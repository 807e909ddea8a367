"""GraphQL calls to another service, for writes that must check something it owns.

Reads never go through here: a service returns a stub and lets the router fetch it.
"""

import functools
import json
import logging
from typing import Any

import httpx
from django.conf import settings
from django.http import HttpRequest

from federation_kit.errors import ErrorCode, ServiceError
from federation_kit.observability import correlation_headers
from federation_kit.signature import signed_headers

logger = logging.getLogger("federation_kit.clients")


class DependencyUnavailable(ServiceError):
    """``message`` for a caller whose write may have happened all the same (the default says none did)."""

    def __init__(self, service: str, message: str | None = None) -> None:
        super().__init__(
            message or f"The {service} service is unavailable; nothing was written, try again later",
            ErrorCode.DEPENDENCY_UNAVAILABLE,
            serviceName=service,  # as the router names the subgraph of its errors
        )


# Refusals the other service makes on the caller's behalf are the caller's answer too.
CALLER_REFUSALS = frozenset({ErrorCode.FORBIDDEN, ErrorCode.UNAUTHENTICATED})
_FORWARDED_HEADERS = ("authorization",)


@functools.cache
def _http() -> httpx.Client:
    """The process's one client: making one costs about 18 ms of CPU (its TLS context, even for
    plain HTTP), and it keeps connections to the other services open between calls."""
    return httpx.Client()


def query_service(
    service: str,
    url: str,
    query: str,
    variables: dict[str, Any],
    request: HttpRequest,
    passed_on: frozenset[ErrorCode] = CALLER_REFUSALS,
) -> dict[str, Any]:
    """POST a query to another service as the caller of ``request`` and return its ``data``.

    The request is signed like the router's and carries the caller's token, so the other
    service applies the caller's permissions. Anything but a clean GraphQL answer
    (refused connection, timeout, HTTP error, GraphQL errors, malformed JSON) raises
    DependencyUnavailable, except the error codes in ``passed_on``, raised again as they are.
    """
    body = json.dumps({"query": query, "variables": variables}).encode()
    headers = {name: request.headers[name] for name in _FORWARDED_HEADERS if name in request.headers}
    headers.update(correlation_headers())  # the same request id and trace in the other service's logs
    headers.update(signed_headers(settings.ROUTER_HMAC_SECRET, body))
    try:
        response = _http().post(url, content=body, headers=headers, timeout=settings.DEPENDENCY_TIMEOUT)
        answer = response.json()
    except (httpx.HTTPError, ValueError) as error:
        logger.warning("call to %s at %s failed: %r", service, url, error)
        raise DependencyUnavailable(service) from None
    if not isinstance(answer, dict):
        logger.warning("%s answered %s with JSON that is not a GraphQL answer", service, response.status_code)
        raise DependencyUnavailable(service)
    errors = answer.get("errors")
    for error in errors if isinstance(errors, list) else ():
        extensions = error.get("extensions") if isinstance(error, dict) else None
        code = extensions.get("code") if isinstance(extensions, dict) else None
        if code in passed_on:
            raise ServiceError(str(error.get("message") or code), ErrorCode(code))
    if errors or response.status_code != 200 or not isinstance(answer.get("data"), dict):
        logger.warning("%s answered %s with errors: %s", service, response.status_code, errors)
        raise DependencyUnavailable(service)
    return answer["data"]
