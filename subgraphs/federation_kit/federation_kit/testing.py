"""Helpers for the services' tests: send GraphQL through the real view, read codes, build entity batches."""

import json
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
