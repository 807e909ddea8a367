"""Orders are their owner's and staff's: lists are filtered, single orders and writes refused."""

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from decimal import Decimal

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from federation_kit import jwks, tokens
from federation_kit.testing import ENTITIES, error_codes, graphql, post_graphql, refused_url, representations, token_for
from orders.models import Order

ALICE, BOB, STAFF = token_for(1), token_for(2), token_for(3, staff=True)


@pytest.fixture
def orders(db) -> dict[int, Order]:
    return {
        user_id: Order.objects.create(user_id=user_id, currency="EUR", total=Decimal("10.00")) for user_id in (1, 2)
    }


@pytest.mark.parametrize(("token", "owners"), [(ALICE, [1]), (BOB, [2]), (STAFF, [1, 2]), (None, [])])
def test_lists_show_only_what_the_viewer_may_see(client, orders, token, owners):
    body = graphql(client, "{ orders { user { id } } }", token=token)
    assert [int(o["user"]["id"]) for o in body["data"]["orders"]] == owners
    entities = graphql(client, ENTITIES % "... on Order { id }", {"r": representations("Order", [orders[1].pk, orders[2].pk])}, token)
    assert [e is not None for e in entities["data"]["_entities"]] == [1 in owners, 2 in owners]
    user_orders = graphql(client, ENTITIES % "... on User { orders { id } }", {"r": representations("User", [1, 2])}, token)
    assert [len(e["orders"]) for e in user_orders["data"]["_entities"]] == [int(1 in owners), int(2 in owners)]


def test_another_users_order_is_forbidden_and_anonymous_must_log_in(client, orders):
    query = "{ order(id: %d) { id } }" % orders[1].pk
    assert graphql(client, query, token=ALICE)["data"]["order"] == {"id": str(orders[1].pk)}
    assert error_codes(graphql(client, query, token=BOB)) == ["FORBIDDEN"]
    assert error_codes(graphql(client, query)) == ["UNAUTHENTICATED"]
    assert graphql(client, "{ order(id: 999999) { id } }", token=BOB)["data"]["order"] is None


CREATE = "mutation($input: CreateOrderInput!) { createOrder(input: $input) { id } }"
ITEMS = [{"sku": "KB-001", "name": "Keyboard", "quantity": 1, "unitPrice": "1.00"}]


@pytest.mark.parametrize(("token", "code"), [(None, "UNAUTHENTICATED"), (BOB, "FORBIDDEN")])
def test_create_order_only_for_yourself(client, settings, token, code):
    settings.USERS_SERVICE_URL = refused_url()  # refused before the users service is asked
    body = graphql(client, CREATE, {"input": {"userId": "1", "currency": "EUR", "items": ITEMS}}, token)
    assert error_codes(body) == [code]
    if token:
        assert body["errors"][0]["message"] == "Only staff may order for another user: userId must be yours (2)"
    assert not Order.objects.exists()


@pytest.mark.parametrize(("token", "code"), [(None, "UNAUTHENTICATED"), (BOB, "FORBIDDEN")])
def test_cancel_order_only_by_owner_or_staff(client, settings, orders, token, code):
    settings.PAYMENTS_SERVICE_URL = refused_url()  # refused before the payments service is asked
    body = graphql(client, "mutation($id: ID!) { cancelOrder(id: $id) { status } }", {"id": orders[1].pk}, token)
    assert error_codes(body) == [code]
    orders[1].refresh_from_db()
    assert orders[1].status == Order.Status.PLACED


def test_only_the_router_may_call(client, orders):
    response = post_graphql(client, "{ orders { id } }", token=STAFF, signed=False)
    assert response.status_code == 403
    assert error_codes(response.json()) == ["FORBIDDEN"]


def test_a_script_name_prefix_does_not_get_past_the_router_check(client, orders):
    # gunicorn takes SCRIPT_NAME from a trusted forwarder's header: the path then starts with it,
    # while routing (path_info) still reaches the GraphQL view.
    response = client.post("/graphql", data=b'{"query": "{ orders { id } }"}', content_type="application/json", SCRIPT_NAME="/shop")
    assert response.status_code == 403
    assert error_codes(response.json()) == ["FORBIDDEN"]


def test_a_forged_token_is_unauthenticated(client, orders):
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    response = post_graphql(client, "{ orders { id } }", token=token_for(1, staff=True, key=other_key))
    assert response.status_code == 401
    assert error_codes(response.json()) == ["UNAUTHENTICATED"]


@pytest.mark.parametrize(
    "claims",
    [{"sub": "abc"}, {"sub": "+1"}, {"sub": " 1"}, {"sub": "1_0"}, {"sub": "\u0661"}, {"sub": "0"}, {"sub": 1},
     {"sub": "9" * 19}, {"staff": "false"}, {"staff": 1}],
    ids=["letters", "plus", "space", "underscore", "arabic-indic digit", "zero", "a number", "19 digits", "staff a string", "staff a number"],
)  # fmt: skip
def test_a_token_whose_sub_is_no_user_id_or_staff_no_boolean_is_unauthenticated(client, orders, claims):
    response = post_graphql(client, "{ orders { id } }", token=token_for(1, **claims))
    assert response.status_code == 401, response.content
    assert error_codes(response.json()) == ["UNAUTHENTICATED"]


def test_a_token_is_verified_once_and_refused_once_expired(client, orders, monkeypatch):
    verifications = []
    decode = jwt.decode
    monkeypatch.setattr(jwt, "decode", lambda *args, **kwargs: verifications.append(1) or decode(*args, **kwargs))
    token = token_for(1, exp=int(time.time()) + 3)
    for _ in range(3):
        assert graphql(client, "{ orders { id } }", token=token)["data"]["orders"] == [{"id": str(orders[1].pk)}]
    assert len(verifications) == 1
    time.sleep(3 + tokens.CLOCK_LEEWAY + 0.5)  # the token expires while it is remembered as verified
    response = post_graphql(client, "{ orders { id } }", token=token)
    assert response.status_code == 401
    assert error_codes(response.json()) == ["UNAUTHENTICATED"]


@pytest.fixture
def jwks_endpoint(settings):
    """A JWKS endpoint the services fetch keys from, publishing ``jwks.keys`` as they are at each fetch."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if server.release is not None:  # hanging: answers once released
                server.release.wait(10)
            body = json.dumps({"keys": server.keys}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.keys, server.release = [], None
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.JWT_JWKS_URL = f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json"
    settings.JWT_PUBLIC_KEY_PROVIDER = "federation_kit.tokens.jwks_public_key"
    yield server
    server.shutdown()
    server.server_close()


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def published(key, kid: str = "test") -> dict:
    return {**json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key())), "kid": kid, "use": "sig", "alg": "RS256"}


@pytest.fixture
def used_key(client, orders, jwks_endpoint, monkeypatch):
    """A key the JWKS publishes, kept for a second and refetched at most every half second, and a
    token of it just taken."""
    monkeypatch.setattr(jwks, "KEPT", 1)
    monkeypatch.setattr(jwks, "REFETCH_COOLDOWN", 0.5)
    key = new_key()
    jwks_endpoint.keys = [published(key)]
    assert graphql(client, "{ orders { id } }", token=token_for(1, key=key, nonce=1))["data"]["orders"] == [{"id": str(orders[1].pk)}]
    return key


def test_a_key_removed_from_the_jwks_is_trusted_no_longer_once_the_jwks_is_refetched(client, orders, jwks_endpoint, used_key):
    # Rotated: the key is withdrawn and another published. Fetched a moment ago, the JWKS still has it.
    jwks_endpoint.keys = [published(new_key(), kid="next")]
    assert graphql(client, "{ orders { id } }", token=token_for(1, key=used_key, nonce=2))["data"]["orders"] == [{"id": str(orders[1].pk)}]
    time.sleep(1.1)
    response = post_graphql(client, "{ orders { id } }", token=token_for(1, key=used_key, nonce=3))
    assert response.status_code == 401
    assert error_codes(response.json()) == ["UNAUTHENTICATED"]


def test_a_token_while_the_jwks_cannot_be_fetched_is_dependency_unavailable(client, orders, settings):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    settings.JWT_JWKS_URL = f"http://127.0.0.1:{port}/.well-known/jwks.json"
    settings.JWT_PUBLIC_KEY_PROVIDER = "federation_kit.tokens.jwks_public_key"
    response = post_graphql(client, "{ orders { id } }", token=token_for(1))
    assert response.status_code == 503
    assert error_codes(response.json()) == ["DEPENDENCY_UNAVAILABLE"]
    assert graphql(client, "{ orders { id } }")["data"]["orders"] == []


def test_while_the_jwks_cannot_be_fetched_the_keys_as_last_fetched_answer(client, orders, jwks_endpoint, used_key):
    jwks_endpoint.shutdown()
    jwks_endpoint.server_close()  # the users service is down, and the JWKS older than KEPT
    time.sleep(1.1)
    assert graphql(client, "{ orders { id } }", token=token_for(1, key=used_key, nonce=2))["data"]["orders"] == [{"id": str(orders[1].pk)}]
    # A key it never saw: it cannot say whether the token is good.
    response = post_graphql(client, "{ orders { id } }", token=token_for(1, key=new_key(), kid="new"))
    assert response.status_code == 503
    assert error_codes(response.json()) == ["DEPENDENCY_UNAVAILABLE"]


def test_while_the_jwks_cannot_be_fetched_a_refetch_holds_up_no_request(client, orders, jwks_endpoint, used_key):
    jwks_endpoint.keys = []  # the users service answers without a usable key: a failed fetch
    time.sleep(1.1)
    assert graphql(client, "{ orders { id } }", token=token_for(1, key=used_key, nonce=2))["data"]["orders"] == [{"id": str(orders[1].pk)}]
    jwks_endpoint.release = threading.Event()  # and now it hangs
    time.sleep(0.6)  # past the cooldown: the next request starts a refetch
    assert graphql(client, "{ orders { id } }", token=token_for(1, key=used_key, nonce=3))["data"]["orders"] == [{"id": str(orders[1].pk)}]
    assert tokens._jwks()._lock.locked()  # answered while the refetch still waits on the JWKS
    jwks_endpoint.release.set()


def test_a_token_issued_by_a_clock_a_little_ahead_is_taken(client, orders):
    ahead = token_for(1, iat=int(time.time()) + tokens.CLOCK_LEEWAY - 2)
    assert graphql(client, "{ orders { id } }", token=ahead)["data"]["orders"] == [{"id": str(orders[1].pk)}]
    too_far = post_graphql(client, "{ orders { id } }", token=token_for(1, iat=int(time.time()) + tokens.CLOCK_LEEWAY + 60))
    assert too_far.status_code == 401


def test_a_jwks_without_a_usable_public_key_is_a_failed_fetch(client, orders, jwks_endpoint):
    key = new_key()
    private = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key))
    jwks_endpoint.keys = [{**private, "kid": "test", "use": "sig"}, {**published(key), "kid": "test", "alg": "HS256"}]
    response = post_graphql(client, "{ orders { id } }", token=token_for(1, key=key))
    assert response.status_code == 503
    assert error_codes(response.json()) == ["DEPENDENCY_UNAVAILABLE"]
