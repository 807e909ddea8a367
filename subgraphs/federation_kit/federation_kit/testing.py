"""Helpers for the services' tests: signed GraphQL through the real view and middleware, tokens, codes."""

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.test import Client

from federation_kit.signature import HEADER as SIGNATURE_HEADER, sign


TEST_HMAC_SECRET = "tests-only-router-secret"
TEST_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_key_for_tests(token: str) -> Any:
    """JWT_PUBLIC_KEY_PROVIDER for tests of services that would otherwise fetch the users JWKS."""
    return TEST_KEY.public_key()


def token_for(user_id: int, staff: bool = False, key: Any = TEST_KEY, kid: str = "test", **claims: Any) -> str:
    """A token like the users service issues (claims may be overridden to make bad ones)."""
    now = int(time.time())
    payload = {
        "iss": settings.JWT_ISSUER,
        "aud": settings.JWT_AUDIENCE,
        "sub": str(user_id),
        "iat": now,
        "exp": now + 600,
        "staff": staff,
        **claims,
    }
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": kid})


def post_graphql(
    client: Client,
    query: str,
    variables: dict[str, Any] | None = None,
    token: str | None = None,
    signed: bool = True,
    operation_name: str | None = None,
):
    """POST to /graphql as the router does: signed, with the caller's token if any."""
    payload = {"query": query, "variables": variables or {}}
    if operation_name:
        payload["operationName"] = operation_name
    body = json.dumps(payload).encode()
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if signed:
        headers[SIGNATURE_HEADER] = sign(settings.ROUTER_HMAC_SECRET, body)
    return client.post("/graphql", data=body, content_type="application/json", headers=headers)


def graphql(
    client: Client, query: str, variables: dict[str, Any] | None = None, token: str | None = None, operation_name: str | None = None
) -> dict[str, Any]:
    """The JSON answer to a signed request; GraphQL errors still answer 200."""
    response = post_graphql(client, query, variables, token, operation_name=operation_name)
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


@contextmanager
def answering_server(body: bytes, status: int = 200, received: list[bytes] | None = None) -> Iterator[str]:
    """A URL whose server answers every POST with ``body``: another service answering nonsense.

    ``received``, when given, gets the body of every request, to count or read what was asked."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            request_body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if received is not None:
                received.append(request_body)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/graphql"
    finally:
        server.shutdown()
        server.server_close()
