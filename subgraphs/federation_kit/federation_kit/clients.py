"""GraphQL calls to another service, for writes that must check something it owns.

Reads never go through here: a service returns a stub and lets the router fetch it.
"""

import logging
from typing import Any

import httpx
from django.conf import settings

from federation_kit.errors import ErrorCode, ServiceError

logger = logging.getLogger("federation_kit.clients")


class DependencyUnavailable(ServiceError):
    def __init__(self, service: str) -> None:
        super().__init__(
            f"The {service} service is unavailable; nothing was written, try again later",
            ErrorCode.DEPENDENCY_UNAVAILABLE,
            service=service,
        )


def query_service(service: str, url: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    """POST a query to another service and return its ``data``.

    Anything but a clean GraphQL answer (refused connection, timeout, HTTP error,
    GraphQL errors, malformed JSON) raises DependencyUnavailable: the caller writes nothing.
    """
    try:
        response = httpx.post(
            url,
            json={"query": query, "variables": variables},
            timeout=settings.DEPENDENCY_TIMEOUT,
        )
        response.raise_for_status()
        body = response.json()
    except (httpx.HTTPError, ValueError) as error:
        logger.warning("call to %s at %s failed: %r", service, url, error)
        raise DependencyUnavailable(service) from None
    if body.get("errors") or not isinstance(body.get("data"), dict):
        logger.warning("%s answered with errors: %s", service, body.get("errors"))
        raise DependencyUnavailable(service)
    return body["data"]
