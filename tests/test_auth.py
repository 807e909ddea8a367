"""One login for the whole supergraph, checked at the router and again in every subgraph."""

import json
import secrets
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import jwt
import pytest
import yaml
from conftest import DEMO_ORDERS, DEMO_USERS, LOGIN, Router, error_codes
from stack import READY_TIMEOUT, ROUTER_COMMAND, SUPERGRAPH_DIR, Process, free_port, router_env

from federation_kit.jwks import REFETCH_COOLDOWN
from federation_kit.demo import DEMO_PASSWORD, demo_order, demo_user
from federation_kit.signature import signed_headers

ROOT_USER, ALICE_ID, BOB_ID = 1, 2, 3  # demo user 1 is staff; 2 and 3 are customers


@pytest.fixture(scope="session")
def alice(anonymous):
    return anonymous.login(ALICE_ID)


@pytest.fixture(scope="session")
def bob(anonymous):
    return anonymous.login(BOB_ID)


def owned_by(user_id: int) -> list[str]:
    return [str(i) for i in range(1, DEMO_ORDERS + 1) if demo_order(i, DEMO_USERS).user_id == user_id]


def test_login_then_me_through_the_router(anonymous, alice):
    assert alice("{ me { id username email } }")["data"]["me"] == {
        "id": str(ALICE_ID),
        "username": demo_user(ALICE_ID).username,
        "email": demo_user(ALICE_ID).email,
    }
    assert anonymous("{ me { id } }")["data"]["me"] is None
    wrong = anonymous(LOGIN, {"u": demo_user(ALICE_ID).username, "p": "not-the-password"})
    assert error_codes(wrong) == ["INVALID_CREDENTIALS"]


def test_ten_failed_logins_stop_the_logins_of_that_username_for_fifteen_minutes(anonymous, alice):
    name, password = f"guessed-{uuid.uuid4().hex[:12]}", f"Pw-{uuid.uuid4().hex}"
    created = anonymous(
        "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }",
        {"i": {"username": name, "email": f"{name}@example.com", "fullName": "Guessed", "password": password}},
    )
    assert created["data"]["createUser"]["id"]
    for attempt in range(10):
        assert error_codes(anonymous(LOGIN, {"u": name, "p": f"guess-{attempt}"})) == ["INVALID_CREDENTIALS"]
    refused = anonymous.post(LOGIN, {"u": name.upper(), "p": password})
    assert refused.status_code == 200 and refused.json()["data"] is None
    (error,) = refused.json()["errors"]
    assert error["extensions"]["code"] == "TOO_MANY_LOGIN_ATTEMPTS" and 890 <= error["extensions"]["retryAfter"] <= 900
    assert error["message"] == "Too many failed logins for this username: try again in 15 minutes"
    assert error["path"] == ["login"]
    assert alice("{ me { id } }")["data"]["me"] == {"id": str(ALICE_ID)}  # other users log in and stay logged in
    assert anonymous.login(BOB_ID)


def test_failed_logins_at_once_check_ten_passwords_at_most(anonymous):
    name = f"raced-{uuid.uuid4().hex[:12]}"  # no such user: the count is the username's all the same
    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda attempt: anonymous(LOGIN, {"u": name, "p": f"guess-{attempt}"}), range(24)))
    codes = sorted(code for answer in answers for code in error_codes(answer))
    assert codes == ["INVALID_CREDENTIALS"] * 10 + ["TOO_MANY_LOGIN_ATTEMPTS"] * 14


def test_each_customer_sees_only_their_orders_and_payments(anonymous, alice, bob, router):
    query = "{ orders(pagination: {limit: 500}) { id user { id } payments { amount } } }"
    assert [o["id"] for o in alice(query)["data"]["orders"]] == owned_by(ALICE_ID)
    assert {o["user"]["id"] for o in bob(query)["data"]["orders"]} == {str(BOB_ID)}
    assert anonymous(query)["data"]["orders"] == []
    assert len(router(query)["data"]["orders"]) == 500


def test_the_same_query_in_flight_for_several_viewers_answers_each_their_own(anonymous, alice, bob, router):
    # Identical queries at once for several viewers: whatever the router shares between requests
    # (a parsed document, a query plan, a connection; in-flight subgraph calls, if that is turned
    # on), no viewer ever gets another's answer.
    query = "{ orders(pagination: {limit: 500}) { id payments { amount } } }"
    expected = {alice: owned_by(ALICE_ID), bob: owned_by(BOB_ID), anonymous: []}
    viewers = [alice, bob, anonymous, router] * 6
    with ThreadPoolExecutor(len(viewers)) as pool:
        answers = list(pool.map(lambda viewer: viewer(query)["data"]["orders"], viewers))
    for viewer, orders in zip(viewers, answers):
        assert [o["id"] for o in orders] == expected.get(viewer, [str(i) for i in range(1, 501)])


def test_email_is_private_to_its_user_and_staff(alice, router):
    query = "{ user(id: %d) { username email } }" % BOB_ID
    other = alice(query)
    assert other["data"]["user"] == {"username": demo_user(BOB_ID).username, "email": None}
    assert error_codes(other) == ["FORBIDDEN"] and other["errors"][0]["path"] == ["user", "email"]
    assert router(query)["data"]["user"]["email"] == demo_user(BOB_ID).email


def test_writes_only_for_yourself_unless_staff(anonymous, alice, bob, router):
    items = [{"sku": "X", "name": "X", "quantity": 1, "unitPrice": "5.00"}]
    create = "mutation($input: CreateOrderInput!) { createOrder(input: $input) { id user { id } } }"
    for_bob = {"input": {"userId": str(BOB_ID), "currency": "EUR", "items": items}}
    assert error_codes(alice(create, for_bob)) == ["FORBIDDEN"]
    assert error_codes(anonymous(create, for_bob)) == ["UNAUTHENTICATED"]
    bobs = bob(create, for_bob)["data"]["createOrder"]
    assert bobs["user"]["id"] == str(BOB_ID)
    assert router(create, for_bob)["data"]["createOrder"]["user"]["id"] == str(BOB_ID)

    pay = "mutation($input: PayOrderInput!) { payOrder(input: $input) { id } }"
    payment = {"input": {"orderId": bobs["id"], "amount": "1.00", "method": "CARD", "idempotencyKey": f"auth-{time.time()}"}}
    assert error_codes(alice(pay, payment)) == ["FORBIDDEN"]
    assert "id" in bob(pay, payment)["data"]["payOrder"]

    cancel = "mutation($id: ID!) { cancelOrder(id: $id) { status } }"
    unpaid = bob(create, for_bob)["data"]["createOrder"]
    assert error_codes(alice(cancel, {"id": unpaid["id"]})) == ["FORBIDDEN"]
    assert alice("query($id: ID!) { order(id: $id) { id } }", {"id": unpaid["id"]})["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert bob(cancel, {"id": unpaid["id"]})["data"]["cancelOrder"]["status"] == "CANCELLED"
    assert error_codes(bob(cancel, {"id": bobs["id"]})) == ["ORDER_NOT_CANCELLABLE"]  # paid in part


def test_customers_choose_idempotency_keys_without_meeting_each_others(alice, bob):
    create = "mutation($input: CreateOrderInput!) { createOrder(input: $input) { id } }"
    pay = "mutation($input: PayOrderInput!) { payOrder(input: $input) { id amount } }"
    items = [{"sku": "X", "name": "X", "quantity": 1, "unitPrice": "5.00"}]
    key = f"pay-1-{uuid.uuid4()}"  # a key a naive client of each customer would both choose
    payments = []
    for viewer, user_id in ((alice, ALICE_ID), (bob, BOB_ID)):
        order = viewer(create, {"input": {"userId": str(user_id), "currency": "EUR", "items": items}})["data"]["createOrder"]
        payment = {"input": {"orderId": order["id"], "amount": "2.00", "method": "CARD", "idempotencyKey": key}}
        payments.append(viewer(pay, payment)["data"]["payOrder"])
        assert viewer(pay, payment)["data"]["payOrder"] == payments[-1]  # sent again: the same payment
    assert payments[0]["id"] != payments[1]["id"]


def test_only_the_owner_or_staff_close_an_order_for_payments(stack, alice, bob):
    # closeOrderForPayments is hidden from the supergraph, but a subgraph checks its caller itself
    # ("each subgraph verifies it again"): a request the orders service would sign, sent as alice.
    create = "mutation($input: CreateOrderInput!) { createOrder(input: $input) { id } }"
    items = [{"sku": "X", "name": "X", "quantity": 1, "unitPrice": "5.00"}]
    bobs = bob(create, {"input": {"userId": str(BOB_ID), "currency": "EUR", "items": items}})["data"]["createOrder"]["id"]
    nonexistent = str(10**9)

    def close_as(viewer: Router, order_id: str) -> dict:
        query = "mutation($id: ID!) { closeOrderForPayments(orderId: $id) }"
        body = json.dumps({"query": query, "variables": {"id": order_id}}).encode()
        headers = {"Authorization": f"Bearer {viewer.token}", **signed(stack, body)}
        return httpx.post(stack.url("payments"), content=body, headers=headers).json()

    assert error_codes(close_as(alice, bobs)) == ["FORBIDDEN"]
    assert error_codes(close_as(alice, nonexistent)) == ["ORDER_NOT_FOUND"]
    pay = "mutation($input: PayOrderInput!) { payOrder(input: $input) { id } }"
    payment = {"input": {"orderId": bobs, "amount": "5.00", "method": "CARD", "idempotencyKey": f"close-{time.time()}"}}
    assert "id" in bob(pay, payment)["data"]["payOrder"]  # still payable: nothing was closed
    assert bob("query($id: ID!) { order(id: $id) { status } }", {"id": bobs})["data"]["order"]["status"] != "CANCELLED"


def forged(alice: Router) -> dict[str, str]:
    claims = jwt.decode(alice.token, options={"verify_signature": False})
    header = jwt.get_unverified_header(alice.token)
    head, body, signature = alice.token.split(".")
    tampered_claims = jwt.utils.base64url_encode(json.dumps({**claims, "sub": str(ROOT_USER), "staff": True}).encode()).decode()
    return {
        "tampered claims": f"{head}.{tampered_claims}.{signature}",
        "alg none": jwt.encode({**claims, "staff": True}, None, algorithm="none", headers={"kid": header["kid"]}),
        "expired": jwt.encode({**claims, "exp": 1}, "x" * 32, algorithm="HS256", headers={"kid": header["kid"]}),
        "garbage": "garbage",
    }


@pytest.mark.parametrize("kind", ["tampered claims", "alg none", "expired", "garbage"])
def test_the_router_refuses_bad_tokens_before_any_subgraph(stack, alice, kind):
    response = Router(stack.url("router"), forged(alice)[kind]).post("{ orders { id } }")
    assert response.status_code == 401
    assert error_codes(response.json()) == ["UNAUTHENTICATED"]


@pytest.mark.parametrize("header", ["Basic YWRhOnN1cGVyZ3JhcGgtZGVtbw==", "Bearer", "Token {token}", "{token}"])
def test_an_authorization_header_that_is_not_a_bearer_token_is_refused(stack, alice, header):
    response = httpx.post(
        stack.url("router"), json={"query": "{ me { id } }"}, headers={"Authorization": header.format(token=alice.token)}
    )
    assert response.status_code == 401
    assert error_codes(response.json()) == ["UNAUTHENTICATED"]


@pytest.mark.parametrize("scheme", ["bearer", "BEARER"])
def test_the_bearer_scheme_is_read_in_any_case_by_the_router_and_the_subgraphs(stack, alice, scheme):
    query = "{ me { id } orders(pagination: {limit: 1}) { id user { id } paymentStatus } }"
    response = httpx.post(stack.url("router"), json={"query": query}, headers={"Authorization": f"{scheme} {alice.token}"})
    assert response.json() == alice(query)


def test_subgraphs_refuse_requests_not_signed_by_the_router(stack, router):
    for name in ("users", "orders", "payments"):
        response = httpx.post(
            stack.url(name), json={"query": "{ __typename }"}, headers={"Authorization": f"Bearer {router.token}"}
        )
        assert response.status_code == 403, name
        assert error_codes(response.json()) == ["FORBIDDEN"]


def test_a_rotated_signing_key_is_trusted_and_old_tokens_keep_working(stack, anonymous, alice):
    users = stack.processes["users"]
    subprocess.run(
        [sys.executable, "manage.py", "rotate_jwt_key"], cwd=users.cwd, env=users.env, check=True, capture_output=True
    )
    stack.restart_process("users")
    fresh = anonymous.login(ALICE_ID)
    assert jwt.get_unverified_header(fresh.token)["kid"] != jwt.get_unverified_header(alice.token)["kid"]
    query = "{ me { id } orders(pagination: {limit: 1}) { id } }"
    assert alice(query)["data"]["me"] == {"id": str(ALICE_ID)}
    # Services that cached the old JWKS refetch it for the new kid within their refresh cooldown.
    deadline = time.monotonic() + 2 * REFETCH_COOLDOWN + 5
    while "errors" in (body := fresh(query)) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert body["data"] == {"me": {"id": str(ALICE_ID)}, "orders": [{"id": owned_by(ALICE_ID)[0]}]}


def test_demo_password_is_the_documented_one(anonymous):
    assert anonymous(LOGIN, {"u": demo_user(ROOT_USER).username, "p": DEMO_PASSWORD})["data"]["login"]["user"]["id"] == "1"


def signed(stack, body: bytes, *, secret: str | None = None) -> dict[str, str]:
    return signed_headers(secret or stack.hmac_secret, body)


def test_subgraphs_refuse_wrong_and_altered_signatures(stack, router):
    body = json.dumps({"query": "query($id: ID!) { order(id: $id) { id total } }", "variables": {"id": "1"}}).encode()
    auth = {"Authorization": f"Bearer {router.token}"}
    url = stack.url("orders")
    assert httpx.post(url, content=body, headers={**auth, **signed(stack, body)}).json()["data"]["order"]["id"] == "1"
    wrong_secret = (body, signed(stack, body, secret="not-the-router-secret-at-all"))
    altered_query = (body.replace(b"total", b"currency"), signed(stack, body))
    altered_variables = (body.replace(b'"1"', b'"2"'), signed(stack, body))
    for content, headers in (wrong_secret, altered_query, altered_variables):
        response = httpx.post(url, content=content, headers={**auth, **headers})
        assert response.status_code == 403
        assert error_codes(response.json()) == ["ROUTER_SIGNATURE_INVALID"]
    # Not signed at all: a caller that is not the router.
    unsigned = httpx.post(url, content=body, headers={**auth, "Content-Type": "application/json"})
    assert unsigned.status_code == 403
    assert error_codes(unsigned.json()) == ["FORBIDDEN"]


def test_a_router_whose_secret_differs_from_the_services_says_so(stack, tmp_path):
    """A second router for the stack's services, started with another ROUTER_HMAC_SECRET: the
    client is told that a subgraph is unavailable through no fault of its own, not FORBIDDEN, and
    the router's log names the setting that differs; neither secret is told."""
    config = yaml.safe_load(stack.router_config().read_text())
    config["listen"]["port"] = port = free_port()
    path = tmp_path / "router-config.yaml"
    path.write_text(yaml.safe_dump(config))
    other_secret = secrets.token_urlsafe(32)
    env = {**router_env(path, other_secret), "LOG_JSON": "1", "NO_COLOR": "1"}
    url = f"http://127.0.0.1:{port}"
    process = Process("router-other-secret", ROUTER_COMMAND, SUPERGRAPH_DIR, env, f"{url}/readiness", tmp_path / "router.log")
    process.start()
    try:
        process.wait_ready(time.monotonic() + READY_TIMEOUT)
        response = httpx.post(f"{url}/graphql", json={"query": "{ users(pagination: {limit: 1}) { username } }"}, timeout=30)
        errors = response.json()["errors"]
        assert [(e["extensions"]["code"], e["extensions"]["serviceName"]) for e in errors] == [("SUBREQUEST_HTTP_ERROR", "users")]
        assert "fault of this deployment" in errors[0]["message"]
        deadline = time.monotonic() + 5
        while "ROUTER_SIGNATURE_INVALID" not in (log := process.log_path.read_text(errors="replace")) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        process.stop()
    [line] = [json.loads(line) for line in log.splitlines() if "ROUTER_SIGNATURE_INVALID" in line]
    assert (line["level"], line["serviceName"]) == ("error", "users"), line
    assert "the router's ROUTER_HMAC_SECRET does not match the users subgraph's" in line["msg"]
    for secret in (stack.hmac_secret, other_secret):
        assert secret not in response.text and secret not in log


def test_cors_allows_only_the_listed_origins(stack):
    preflight = {"Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "authorization,content-type"}
    listed = httpx.options(stack.url("router"), headers={"Origin": "http://localhost:5173", **preflight})
    assert listed.headers.get("access-control-allow-origin") == "http://localhost:5173"
    # The methods the router serves, whatever the preflight asks; kept by the browser for 2 hours.
    assert listed.headers.get("access-control-allow-methods") == "GET, POST"
    assert listed.headers.get("access-control-max-age") == "7200"
    # A page may read the request's id and a 401's challenge.
    answer = httpx.post(stack.url("router"), json={"query": "{ __typename }"}, headers={"Origin": "http://localhost:5173"})
    assert answer.headers.get("access-control-expose-headers") == "X-Request-ID, WWW-Authenticate"
    refused = httpx.post(
        stack.url("router"), json={"query": "{ __typename }"}, headers={"Origin": "http://localhost:5173", "Authorization": "Bearer nonsense"}
    )
    assert refused.status_code == 401 and refused.headers.get("www-authenticate") == 'Bearer error="invalid_token"'
    unlisted = httpx.options(stack.url("router"), headers={"Origin": "http://evil.example", **preflight})
    assert unlisted.headers.get("access-control-allow-origin") != "http://evil.example"


@pytest.mark.parametrize(
    "query",
    [
        "{ orders(pagination: {limit: 100000}) { id } }",
        '{ order(id: "1 OR 1=1") { id } }',
        "{ orders { id",
        'mutation { payOrder(input: {orderId: "1", amount: "NaN", method: CARD, idempotencyKey: "x"}) { id } }',
        "{ __typename " + "a: __typename " * 2000 + "}",
    ],
)
def test_error_bodies_never_show_internals(router, query):
    response = router.post(query)
    assert response.status_code in (200, 400)
    body = response.json()
    assert body["errors"] and all(e.get("extensions", {}).get("code") for e in body["errors"])
    for leak in ("Traceback", 'File "', "sqlite", "SELECT ", "django.", "strawberry."):
        assert leak not in response.text
