"""Helpers for the services' tests: send GraphQL through the real view, read codes, build entity batches."""

import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.test import Client


def graphql(client: Client, query: str, variables: dict[str, Any] | None = None, **headers: str) -> dict[str, Any]:
    """POST to /graphql like the router does; GraphQL errors still answer 200."""
    response = client.post(
        "/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}),
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 200, response.content
    return response.json()


def error_codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


def representations(type_name: str, ids: list[int], **extra: Any) -> list[dict[str, Any]]:
    return [{"__typename": type_name, "id": str(i), **extra} for i in ids]


ENTITIES = "query($r: [_Any!]!) { _entities(representations: $r) { %s } }"


def refused_url() -> str:
    """A URL on a port nothing listens on: connections are refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/graphql"


@contextmanager
def silent_server() -> Iterator[str]:
    """A URL whose server accepts connections and never answers: a hung dependency."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/graphql"
