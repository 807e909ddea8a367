"""Hand-written bad input, through the router and straight to the subgraphs.

Each case gets a clear answer (never a 5xx, no traceback or SQL, every error with a documented
``extensions.code``, never INTERNAL_SERVER_ERROR) and changes nothing: the users, orders and
payments the staff sees are the same before and after (``unchanged``).
The checks on an answer are test_fuzz's ``response_problems``.
"""

import hashlib
import json
import uuid
from contextlib import contextmanager

import httpx
import pytest
from conftest import DEMO_USERS, demo_user, error_codes
from test_fuzz import SUBGRAPHS, encode_json, make_fuzz_user, response_problems, targets_of
from test_supergraph import graphql_posts

ROUTER_LIMITS = {"max_depth": 12, "max_tokens": 1000, "max_cost": 25000}  # router-config.yaml
HASH_COST = 15000  # @cost of a field that hashes a password (users schema)


@pytest.fixture(scope="module")
def targets(stack):
    return targets_of(stack)


@pytest.fixture(scope="module")
def customer(anonymous):
    """A customer made for this module: owns no demo order, so nothing here can touch one."""
    user_id, token = make_fuzz_user(anonymous, "badinput")
    return {"id": user_id, "token": token}


@pytest.fixture(scope="module")
def own_order(targets, customer):
    """An order of the customer's, unpaid: the target of the payOrder/cancelOrder cases."""
    items = [{"sku": "SKU-1", "name": "Thing", "quantity": 2, "unitPrice": "10.00"}]
    body = targets["router"].post(
        "mutation($i: CreateOrderInput!) { createOrder(input: $i) { id total } }",
        {"i": {"userId": customer["id"], "currency": "EUR", "items": items}},
        customer["token"],
    ).json()
    assert "errors" not in body, body
    return body["data"]["createOrder"]["id"]


def _all(router, field: str, selection: str) -> list:
    rows, offset = [], 0
    while True:
        body = router("{ %s(pagination: {offset: %d, limit: 500}) { %s } }" % (field, offset, selection))
        assert "errors" not in body, body
        page = body["data"][field]
        rows += page
        if len(page) < 500:
            return rows
        offset += 500


def fingerprint(router) -> dict:
    """Every user, order (with its status and total) and payment staff sees, each from its own service (cheap)."""
    parts = {
        "users": _all(router, "users", "id username"),
        "orders": _all(router, "orders", "id status total"),
        "payments": _all(router, "payments", "id amount status"),
    }
    return {
        name: (len(rows), hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()[:16])
        for name, rows in parts.items()
    }


@contextmanager
def unchanged(router):
    before = fingerprint(router)
    yield
    assert fingerprint(router) == before, "a refused request changed the data"


def assert_clean_error(response: httpx.Response, codes: set[str] | None = None) -> list[str]:
    """A clear refusal: a GraphQL error answer, each error with a documented code (one of ``codes``)."""
    assert not (problems := response_problems(response)), f"{problems}\nHTTP {response.status_code}: {response.text[:1000]}"
    got = error_codes(response.json())
    assert got, f"an error was expected: {response.text[:500]}"
    if codes:
        assert set(got) <= codes, f"{got} not in {codes}: {response.text[:500]}"
    return got


# ---------------------------------------------------------------------------------------------
# Not GraphQL at all, or not one operation: refused at the door
# ---------------------------------------------------------------------------------------------

CREATE_ORDER = "mutation($i: CreateOrderInput!) { createOrder(input: $i) { id } }"


def order_input(user_id: str, **item) -> dict:
    return {"i": {"userId": user_id, "currency": "EUR", "items": [{"sku": "S", "name": "N", "quantity": 1, "unitPrice": "1.00", **item}]}}


RAW_BODIES = {
    "truncated JSON": b'{"query": "mutation { __typename }"',
    "empty body": b"",
    "JSON with a byte-order mark": '\ufeff{"query": "{ __typename }"}'.encode(),
    "invalid UTF-8": b'{"query": "{ __typename \xff\xfe }"}',
    "a JSON string": b'"{ __typename }"',
    "a JSON number": b"42",
    "JSON null": b"null",
    "query is a number": b'{"query": 123}',
    "no query": b'{"mutation": "{ __typename }"}',
    "variables not an object": b'{"query": "{ __typename }", "variables": "x"}',
    "NaN in variables": b'{"query": "query($l: Int) { users(pagination: {limit: $l}) { id } }", "variables": {"l": NaN}}',
    "a number beyond float": b'{"query": "query($l: Int) { users(pagination: {limit: $l}) { id } }", "variables": {"l": 1e400}}',
    "deeply nested JSON": b'{"query": "query($l: Int) { users(pagination: {limit: $l}) { id } }", "variables": {"l": '
    + b"[" * 5000 + b"]" * 5000 + b"}}",
}


@pytest.mark.parametrize("case", RAW_BODIES)
def test_a_body_that_is_not_one_graphql_request_is_refused_by_the_router(targets, router, case):
    assert_clean_error(targets["router"].post_raw(RAW_BODIES[case], router.token))


@pytest.mark.parametrize("operation_name", [5, {}, ["A"], True], ids=repr)
def test_an_operation_name_that_is_no_string_is_a_bad_request(targets, router, operation_name):
    response = targets["router"].post_raw(json.dumps({"query": "query A { me { id } }", "operationName": operation_name}).encode(), router.token)
    assert response.status_code == 400
    assert assert_clean_error(response, {"BAD_REQUEST"}) == ["BAD_REQUEST"]


@pytest.mark.parametrize("parameter", ["variables", "extensions"])
def test_url_parameters_that_are_not_json_are_refused(stack, router, parameter):
    params = {"query": "{ __typename }", parameter: '{"limit": '}
    headers = {"Authorization": f"Bearer {router.token}", "accept": "application/json"}
    response = httpx.get(stack.url("router"), params=params, headers=headers)
    assert response.status_code == 400, response.text[:300]
    assert assert_clean_error(response, {"BAD_REQUEST"}) == ["BAD_REQUEST"]


@pytest.mark.parametrize("case", RAW_BODIES)
def test_a_body_that_is_not_one_graphql_request_is_refused_by_a_subgraph(targets, router, case):
    # Unsigned (the router sends only requests it has parsed): the subgraph refuses it before anything runs.
    for name in SUBGRAPHS:
        response = targets[name].post_raw(RAW_BODIES[case], router.token)
        assert response.status_code == 403, (name, response.text[:300])
        assert_clean_error(response, {"FORBIDDEN"})


@pytest.mark.parametrize(
    ("content_type", "content"),
    [
        ("text/plain", b"{ __typename }"),
        ("application/xml", b"<query>{ __typename }</query>"),
        ("multipart/form-data; boundary=x", b"--x--"),
        # A form or a GraphQL document is a CORS "simple request": no preflight asks the router first.
        ("application/x-www-form-urlencoded", b"query=mutation+%7B+login(username%3A%22a%22%2C+password%3A%22b%22)+%7B+token+%7D+%7D"),
        ("application/graphql", b"{ __typename }"),
    ],
)
def test_a_body_of_another_media_type_is_refused(targets, router, content_type, content):
    response = targets["router"].post_raw(content, router.token, content_type=content_type)
    assert response.status_code == 415, response.text[:300]
    assert_clean_error(response, {"BAD_REQUEST"})


@pytest.mark.parametrize(
    "request_body",
    [
        {"query": "query A { me { id } } query B { orders { id } }"},
        {"query": "query A { me { id } } query B { orders { id } }", "operationName": "C"},
        {"query": "{ me { id } }", "operationName": "A"},
    ],
)
def test_an_operation_name_that_picks_no_operation_is_refused(targets, router, request_body):
    response = targets["router"].post_raw(json.dumps(request_body).encode(), router.token)
    assert response.status_code == 400
    assert assert_clean_error(response, {"OPERATION_RESOLUTION_FAILURE"}) == ["OPERATION_RESOLUTION_FAILURE"]


@pytest.mark.parametrize("operation", ["subscription { orders { id } }", "subscription S { me { id } }"])
def test_an_operation_type_the_supergraph_lacks_is_invalid(targets, router, operation):
    response = targets["router"].post_raw(json.dumps({"query": operation}).encode(), router.token)
    assert assert_clean_error(response, {"GRAPHQL_VALIDATION_FAILED"}) == ["GRAPHQL_VALIDATION_FAILED"]


def test_batched_requests_are_refused_and_run_nothing(targets, router, customer):
    batch = [
        {"query": CREATE_ORDER, "variables": order_input(customer["id"])},
        {"query": CREATE_ORDER, "variables": order_input(customer["id"])},
    ]
    with unchanged(router):
        assert_clean_error(targets["router"].post_raw(json.dumps(batch).encode(), customer["token"]))
        for name in SUBGRAPHS:  # the router never sends, so never signs, a batch
            response = targets[name].post_raw(json.dumps(batch).encode(), customer["token"])
            assert response.status_code == 403 and error_codes(response.json()) == ["FORBIDDEN"]


def test_a_mutation_in_a_get_request_is_refused_and_runs_nothing(targets, router, customer):
    query = 'mutation { createOrder(input: {userId: "%s", currency: "EUR", items: [{sku: "S", name: "N", quantity: 1, unitPrice: "1.00"}]}) { id } }'
    with unchanged(router):
        response = httpx.get(
            targets["router"].url,
            params={"query": query % customer["id"]},
            headers={"Authorization": f"Bearer {customer['token']}", "accept": "application/json"},
        )
        assert_clean_error(response)


def test_a_subgraph_refuses_signed_requests_whose_parts_have_the_wrong_shape(targets, router):
    # Only the router can sign, and it never sends these; the answer must still be a clear GraphQL error.
    for name in SUBGRAPHS:
        target = targets[name]
        for variables in ("x", [1], 5):
            response = target.post_raw(encode_json(target.body("{ __typename }", variables)), router.token, signed=True)
            assert response.status_code == 400, response.text[:300]
            assert_clean_error(response, {"BAD_REQUEST"})


def test_a_subgraph_answers_json_nested_deeper_than_python_reads_with_a_code(targets, router):
    # Python's json reads nesting by recursion: ~1,000 levels and more was an HTML 500.
    items = "[" * 5000 + "]" * 5000
    query = "mutation($i: CreateOrderInput!) { createOrder(input: $i) { id } }"
    body = '{"query": %s, "variables": {"i": {"userId": "1", "currency": "EUR", "items": %s}}}' % (json.dumps(query), items)
    for name in SUBGRAPHS:
        response = targets[name].post_raw(body.encode(), router.token, signed=True)
        assert response.status_code == 400, (name, response.text[:300])
        assert_clean_error(response, {"BAD_REQUEST"})


# ---------------------------------------------------------------------------------------------
# Limits: too long, too deep, too wide
# ---------------------------------------------------------------------------------------------


def test_a_query_beyond_max_tokens_is_refused(router):
    fields = " ".join(["id"] * (ROUTER_LIMITS["max_tokens"] + 10))
    assert_clean_error(router.post("{ me { %s } }" % fields), {"GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED"})


def test_a_query_beyond_max_depth_is_refused(router):
    depth = ROUTER_LIMITS["max_depth"] + 1
    nested = "user(id: 1) { " + "orders { user { " * (depth // 2) + "id" + " } }" * (depth // 2) + " }"
    assert_clean_error(router.post("{ %s }" % nested), {"GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED"})


def test_a_query_at_max_depth_is_answered(router):
    # depth 12 exactly: user > orders > user > orders > user > orders > user > orders > user > orders > user > id
    nested = "user(id: 1) { " + "orders(pagination: {limit: 1}) { user { " * 5 + "id" + " } }" * 5 + " }"
    body = router("{ %s }" % nested)
    assert "errors" not in body, body


def test_a_thousand_aliases_are_refused(router, customer, targets):
    aliases = " ".join(f"a{i}: __typename" for i in range(1000))
    assert_clean_error(router.post("{ %s }" % aliases), {"GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED"})
    writes = " ".join(
        f'a{i}: createOrder(input: {{userId: "{customer["id"]}", currency: "EUR", items: [{{sku: "S", name: "N", quantity: 1, unitPrice: "1.00"}}]}}) {{ id }}'
        for i in range(1000)
    )
    with unchanged(router):
        assert_clean_error(targets["router"].post("mutation { %s }" % writes, token=customer["token"]))


def test_a_subgraph_answers_a_thousand_aliases_without_failing(targets, router):
    """The router refuses this; a subgraph (no limits of its own) still answers it cleanly."""
    aliases = " ".join(f"a{i}: user(id: {i % 50 + 1}) {{ id }}" for i in range(1000))
    response = targets["users"].post("{ %s }" % aliases, token=router.token)
    assert response.status_code == 200 and not response_problems(response)
    assert len(response.json()["data"]) == 1000


def sign_up(name: str) -> str:
    """createUser for a new user called ``name``, aliased ``name``."""
    return f'{name}: createUser(input: {{username: "{name}", email: "{name}@x.example", password: "Sup3r-Secret-x9", fullName: "C"}}) {{ id }}'


def new_name() -> str:
    return f"cost{uuid.uuid4().hex[:8]}"


def test_an_operation_hashes_one_password_at_most(targets, router):
    """login and createUser each hash a password (about 0.17 s of CPU; @cost 15,000 in the users
    schema): aliased, one request made the users service hash as many times as it had aliases."""
    names = [new_name(), new_name()]
    logins = " ".join(f'l{i}: login(username: "{demo_user(1).username}", password: "x") {{ token }}' for i in range(2))
    with unchanged(router):
        for operation in (" ".join(sign_up(name) for name in names), logins):
            response = targets["router"].post("mutation { %s }" % operation)
            assert_clean_error(response, {"COST_ESTIMATED_TOO_EXPENSIVE"})
            cost = response.json()["errors"][0]["extensions"]["cost"]
            assert cost == {"estimated": 2 * (HASH_COST + 1), "max": ROUTER_LIMITS["max_cost"]}
    # One is within the limit, and the refused sign-up wrote nothing: the name is still free.
    body = targets["router"].post("mutation { %s }" % sign_up(names[0])).json()
    assert "errors" not in body and body["data"][names[0]]["id"], body


def test_an_operation_over_its_cost_is_refused_before_any_of_it_runs(targets, router, customer):
    """A mutation's fields run in order, a service's consecutive fields in one call: with an order
    between them, the two sign-ups would be two calls to the users service. The estimate is the
    whole operation's, so neither the first sign-up nor the order is written."""
    first, second = new_name(), new_name()
    order = f'o: createOrder(input: {{userId: "{customer["id"]}", currency: "EUR", items: [{{sku: "S", name: "N", quantity: 1, unitPrice: "1.00"}}]}}) {{ id }}'
    fragment = "fragment SignUp on Mutation { %s }" % sign_up(second)
    with unchanged(router):
        for operation in (f"mutation {{ {sign_up(first)} {order} {sign_up(second)} }}", f"mutation {{ {sign_up(first)} {order} ...SignUp }} {fragment}"):
            response = targets["router"].post(operation, token=customer["token"])
            assert_clean_error(response, {"COST_ESTIMATED_TOO_EXPENSIVE"})
            assert "data" not in response.json()
            assert response.json()["errors"][0]["extensions"]["cost"]["estimated"] == (HASH_COST + 1) + 1 + (HASH_COST + 1)


def test_pages_nested_in_pages_are_refused_before_any_subgraph_is_called(stack, targets, router):
    """Each order's user's orders, a page each: 500 orders made the orders service read up to 500
    x 500 rows in one call, and seven levels kept it busy for seconds after the router's 504. A
    page counts its limit (the default page, 100, without one) times what each row asks for; so
    does a list of rows that is no page, at the most it holds: each payment's order's payments, in
    one call to the payments service, multiplied by 12 a level on an order with 12 payments."""
    nested = "{ orders(pagination: {limit: 500}) { user { orders(pagination: {limit: 500}) { id } } } }"
    without_limit = "{ orders { user { orders { user { orders { id } } } } } }"
    through_a_variable = "query($n: Int) { orders(pagination: {limit: $n}) { user { orders(pagination: {limit: $n}) { id } } } }"
    payments_of_payments = "{ payments(pagination: {limit: 12}) { order { payments { order { payments { order { payments { id } } } } } } } }"
    before = graphql_posts(stack)
    for query, variables, estimated in (
        (nested, None, 500 * (1 + 1 + 500)),
        (without_limit, None, 100 * (2 + 100 * (2 + 100))),
        (through_a_variable, {"n": 200}, 200 * (1 + 1 + 200)),
        (payments_of_payments, None, 12 * (2 + 20 * (2 + 20 * (2 + 20)))),
    ):
        response = targets["router"].post(query, variables, token=router.token)
        assert_clean_error(response, {"COST_ESTIMATED_TOO_EXPENSIVE"})
        assert response.json()["errors"][0]["extensions"]["cost"] == {"estimated": estimated, "max": ROUTER_LIMITS["max_cost"]}
    assert graphql_posts(stack) == before
    # The same document with smaller pages runs: 10 x (1 + 1 + 10).
    body = router(through_a_variable, {"n": 10})
    assert "errors" not in body and len(body["data"]["orders"]) == 10, body


def test_the_largest_page_with_its_users_and_payments_is_within_the_cost(router):
    """1,000 orders (two pages of 500, as the benchmark asks) with their user and payments (at most
    20 an order): 22,000 (the demo data has fewer orders: the estimate counts the pages asked for)."""
    fields = "id user { username } payments { amount } paymentStatus"
    query = "{ a: orders(pagination: {limit: 500}) { %s } b: orders(pagination: {offset: 500, limit: 500}) { %s } }" % (fields, fields)
    body = router(query)
    assert "errors" not in body and body["data"]["a"], str(body)[:500]


def test_fragments_that_spread_each_other_are_refused(router):
    # The cost estimate follows spreads: a cycle must end it, as validation refuses the document.
    cyclic = "query { ...A } fragment A on Query { me { id } ...B } fragment B on Query { ...A }"
    assert_clean_error(router.post(cyclic), {"GRAPHQL_VALIDATION_FAILED"})


# What the router forwards to a subgraph (headers.propagate: authorization, traceparent) must fit a
# header line of the subgraphs' server, gunicorn: 8,190 bytes with the name, ": " and CRLF.
FORWARDED_VALUE_FITS = {name: 8190 - len(name) - 4 for name in ("traceparent", "authorization")}


def test_the_longest_forwarded_header_the_subgraphs_take_is_forwarded(stack, router):
    query = {"query": "{ me { id } orders(pagination: {limit: 1}) { id } }"}
    padded_token = "Bearer" + " " * (FORWARDED_VALUE_FITS["authorization"] - 7 - len(router.token)) + " " + router.token
    for header, value in (("traceparent", "x" * FORWARDED_VALUE_FITS["traceparent"]), ("authorization", padded_token)):
        headers = {"authorization": f"Bearer {router.token}", header: value}
        response = httpx.post(stack.url("router"), json=query, headers=headers, timeout=30)
        assert response.status_code == 200 and "errors" not in response.json(), response.text[:500]


@pytest.mark.parametrize("header", ["traceparent", "authorization"])
def test_a_forwarded_header_too_long_for_the_subgraphs_is_refused(stack, router, header):
    value = "Bearer" + " " * FORWARDED_VALUE_FITS[header] + router.token if header == "authorization" else "x" * (FORWARDED_VALUE_FITS[header] + 1)
    headers = {"authorization": f"Bearer {router.token}", header: value}
    response = httpx.post(stack.url("router"), json={"query": "{ me { id } orders(pagination: {limit: 1}) { id } }"}, headers=headers, timeout=30)
    assert_clean_error(response, {"BAD_REQUEST"})
    assert response.status_code == 431 and header in response.json()["errors"][0]["message"]


# Within the router's 2 MiB body limit, the field's own limit refuses it; beyond, the router does (HTTP 413).
@pytest.mark.parametrize(("size", "code"), [(1_000_000, "BAD_USER_INPUT"), (3_000_000, "BAD_REQUEST")])
def test_a_huge_string_is_refused(targets, router, customer, size, code):
    query = "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }"
    name = f"huge{uuid.uuid4().hex[:8]}"
    variables = {"i": {"username": name, "email": f"{name}@x.example", "password": "Sup3r-Secret-x9", "fullName": "x" * size}}
    with unchanged(router):
        response = targets["router"].post(query, variables)
        assert_clean_error(response, {code})
        assert response.status_code == (413 if code == "BAD_REQUEST" else 200)


def test_a_subgraph_refuses_a_body_beyond_its_limit_with_a_code(targets, router):
    response = targets["users"].post("{ __typename }", {"x": "x" * 3_000_000}, router.token)
    assert response.status_code == 413
    assert_clean_error(response, {"BAD_REQUEST"})


# ---------------------------------------------------------------------------------------------
# Values: wrong types, out of range, invalid Decimal, Unicode
# ---------------------------------------------------------------------------------------------

PAY = "mutation($i: PayOrderInput!) { payOrder(input: $i) { id } }"
WRONG_VARIABLES = {
    "ID as an object": ("query($id: ID!) { order(id: $id) { id } }", {"id": {"a": 1}}),
    "ID as a list": ("query($id: ID!) { order(id: $id) { id } }", {"id": ["1"]}),
    "ID as a boolean": ("query($id: ID!) { order(id: $id) { id } }", {"id": True}),
    "ID as a float": ("query($id: ID!) { order(id: $id) { id } }", {"id": 1.5}),
    "ID missing": ("query($id: ID!) { order(id: $id) { id } }", {}),
    "ID null": ("query($id: ID!) { order(id: $id) { id } }", {"id": None}),
    "Int as a string": ("query($l: Int) { orders(pagination: {limit: $l}) { id } }", {"l": "10"}),
    "Int beyond 32 bits": ("query($l: Int) { orders(pagination: {limit: $l}) { id } }", {"l": 2**31}),
    "Int as a float": ("query($l: Int) { orders(pagination: {limit: $l}) { id } }", {"l": 1.5}),
    # A page size the variables' coercion refuses is no size for the router's cost estimate either:
    # counted as the default page, pages in pages were refused for their cost instead.
    "Int as a string, sizing pages in pages": (
        "query($l: Int) { orders(pagination: {limit: $l}) { user { orders(pagination: {limit: $l}) { id } } } }",
        {"l": "10"},
    ),
    "pagination as a string, sizing pages in pages": (
        "query($p: OffsetPaginationInput) { orders(pagination: $p) { user { orders(pagination: $p) { id } } } }",
        {"p": "10"},
    ),
    "enum in lower case": ("query($s: OrderStatus) { orders(status: $s) { id } }", {"s": "placed"}),
    "enum unknown": ("query($s: OrderStatus) { orders(status: $s) { id } }", {"s": "SHIPPED"}),
    "input with an unknown field": (PAY, {"i": {"orderId": "1", "amount": "1.00", "method": "CARD", "idempotencyKey": "k", "tip": 1}}),
    "input without a required field": (PAY, {"i": {"orderId": "1", "amount": "1.00", "method": "CARD"}}),
    "input as a list": (PAY, {"i": [{"orderId": "1"}]}),
    "method unknown": (PAY, {"i": {"orderId": "1", "amount": "1.00", "method": "CASH", "idempotencyKey": "k"}}),
    "variable declared with another type": ("query($id: Int!) { order(id: $id) { id } }", {"id": 1}),
    "Int literal beyond 32 bits": ("{ orders(pagination: {limit: 2147483648}) { id } }", None),
    "String literal with a lone surrogate escape": ('{ user(id: "\\uD800") { id } }', None),
}


@pytest.mark.parametrize("case", WRONG_VARIABLES)
def test_wrong_variable_types_are_refused_with_a_code(targets, router, customer, case):
    query, variables = WRONG_VARIABLES[case]
    with unchanged(router) if query.startswith("mutation") else _nothing():
        response = targets["router"].post(query, variables, customer["token"])
        assert_clean_error(response, {"BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED"})


@contextmanager
def _nothing():
    yield


# Strings that are no decimal number of the API (Python's Decimal would take "1_000.00" and "１.００"),
# and JSON values that are no string. (A JSON number such as 1.5 is taken, as strawberry's Decimal does.)
BAD_DECIMALS = ["abc", "", " ", "NaN", "sNaN", "Infinity", "-Infinity", "1e999999", "1E+30", "1.001", "0", "-1.00", "1,00", "0x10", "1_000.00", "１.００", 10**30, True]


@pytest.mark.parametrize("amount", BAD_DECIMALS, ids=repr)
def test_an_invalid_amount_is_refused_and_pays_nothing(targets, router, customer, own_order, amount):
    variables = {"i": {"orderId": own_order, "amount": amount, "method": "CARD", "idempotencyKey": f"bad-{uuid.uuid4()}"}}
    with unchanged(router):
        assert_clean_error(targets["router"].post(PAY, variables, customer["token"]), {"BAD_USER_INPUT", "AMOUNT_EXCEEDS_DUE"})


@pytest.mark.parametrize("price", BAD_DECIMALS + ["1000000000.01", "0.00"], ids=repr)
def test_an_invalid_unit_price_is_refused_and_orders_nothing(targets, router, customer, price):
    with unchanged(router):
        response = targets["router"].post(CREATE_ORDER, order_input(customer["id"], unitPrice=price), customer["token"])
        assert_clean_error(response, {"BAD_USER_INPUT"})


OUT_OF_RANGE = {
    "quantity 0": {"quantity": 0},
    "quantity beyond the maximum": {"quantity": 10_001},
    "quantity beyond 32 bits": {"quantity": 2**31},
    "sku too long": {"sku": "S" * 65},
    "sku blank": {"sku": "   "},
    "name too long": {"name": "N" * 201},
    "sku with NUL": {"sku": "S\u0000K"},
    "sku with a lone surrogate": {"sku": "S\ud800"},
}


@pytest.mark.parametrize("case", OUT_OF_RANGE)
def test_an_out_of_range_item_is_refused_and_orders_nothing(targets, router, customer, case):
    with unchanged(router):
        response = targets["router"].post(CREATE_ORDER, order_input(customer["id"], **OUT_OF_RANGE[case]), customer["token"])
        assert_clean_error(response, {"BAD_USER_INPUT"})
    # Named by its path in the input, whether the router, the subgraph's checks or its refusal of
    # text no database stores (NUL, a lone surrogate) found it.
    assert response.json()["errors"][0]["extensions"]["field"] == f"items[0].{next(iter(OUT_OF_RANGE[case]))}"


ITEM = {"sku": "S", "name": "N", "quantity": 1, "unitPrice": "1.00"}
VARIABLES_IN_A_LITERAL = {
    # The subgraph refuses text no database stores; the router, an Int beyond 32 bits (named by its
    # path in the input, as the subgraph names it, not by the variable's name).
    "NUL in an item variable": ("$it: OrderItemInput!", "items: [$it]", {"it": {**ITEM, "sku": "S\u0000"}}, "items[0].sku"),
    "an Int beyond 32 bits in a list variable": ("$lines: [OrderItemInput!]!", "items: $lines", {"lines": [ITEM, {**ITEM, "quantity": 2**31}]}, "items[1].quantity"),
}


@pytest.mark.parametrize("case", VARIABLES_IN_A_LITERAL)
def test_a_bad_value_given_through_a_variable_is_named_by_its_path(targets, router, customer, case):
    definition, items, variables, field = VARIABLES_IN_A_LITERAL[case]
    query = f'mutation({definition}) {{ createOrder(input: {{userId: "{customer["id"]}", currency: "EUR", {items}}}) {{ id }} }}'
    with unchanged(router):
        response = targets["router"].post(query, variables, customer["token"])
        assert_clean_error(response, {"BAD_USER_INPUT"})
    assert response.json()["errors"][0]["extensions"]["field"] == field


# A variable's value the router refuses (graphql-js) is named as the subgraphs name a field: by the
# argument the variable is given to and the path from there, an `input` argument's by the path in
# the input; whether graphql-js's message has a path in the value or not.
VARIABLES_NAMED_BY_THEIR_ARGUMENT = {
    "a password that is no string": ('mutation($p: String!) { login(username: "a", password: $p) { token } }', {"p": 123}, "password"),
    "an ID that is a float": ("query($id: ID!) { order(id: $id) { id } }", {"id": 1.5}, "id"),
    "an ID not given": ("query($id: ID!) { order(id: $id) { id } }", {}, "id"),
    "an enum value in lower case": ("query($s: OrderStatus) { orders(status: $s) { id } }", {"s": "paid"}, "status"),
    "a limit that is no number": ("query($p: OffsetPaginationInput) { orders(pagination: $p) { id } }", {"p": {"limit": "x"}}, "pagination.limit"),
    "a limit given in a literal": ("query($l: Int) { orders(pagination: {limit: $l}) { id } }", {"l": "x"}, "pagination.limit"),
    "an input without a required field": (PAY, {"i": {"orderId": "1", "amount": "1.00", "method": "CARD"}}, "idempotencyKey"),
    "an input with an unknown field": (PAY, {"i": {"orderId": "1", "amount": "1.00", "method": "CARD", "idempotencyKey": "k", "tip": 1}}, "tip"),
    "an item beyond 32 bits": (CREATE_ORDER, {"i": {"userId": "1", "currency": "EUR", "items": [ITEM, {**ITEM, "quantity": 2**31}]}}, "items[1].quantity"),
    "an item without a required field": (CREATE_ORDER, {"i": {"userId": "1", "currency": "EUR", "items": [{"name": "N", "quantity": 1, "unitPrice": "1.00"}]}}, "items[0].sku"),
}


@pytest.mark.parametrize("case", VARIABLES_NAMED_BY_THEIR_ARGUMENT)
def test_a_bad_variable_is_named_by_the_argument_it_is_given_to(targets, router, customer, case):
    query, variables, field = VARIABLES_NAMED_BY_THEIR_ARGUMENT[case]
    with unchanged(router) if query.startswith("mutation") else _nothing():
        response = targets["router"].post(query, variables, customer["token"])
        assert_clean_error(response, {"BAD_USER_INPUT"})
    assert [error["extensions"].get("field") for error in response.json()["errors"]] == [field]


@pytest.mark.parametrize(
    "key", ["", "k" * 101, "key\u0000nul", "key\ud800surrogate", "\udfff"], ids=["empty", "101 chars", "NUL", "lone surrogate", "lone low surrogate"]
)
def test_an_invalid_idempotency_key_is_refused_and_pays_nothing(targets, router, customer, own_order, key):
    variables = {"i": {"orderId": own_order, "amount": "1.00", "method": "CARD", "idempotencyKey": key}}
    with unchanged(router):
        assert_clean_error(targets["router"].post(PAY, variables, customer["token"]), {"BAD_USER_INPUT"})


@pytest.mark.parametrize(
    "order_id", ["9" * 30, "9" * 5000, "-1", "0", "abc", "1.5", "", "\u0000", "\ud800"], ids=["30 digits", "5000 digits", "-1", "0", "abc", "1.5", "empty", "NUL", "lone surrogate"]
)
def test_an_unusable_order_id_is_refused_and_changes_nothing(targets, router, customer, order_id):
    with unchanged(router):
        for query, variables in [
            (PAY, {"i": {"orderId": order_id, "amount": "1.00", "method": "CARD", "idempotencyKey": f"id-{uuid.uuid4()}"}}),
            ("mutation($id: ID!) { cancelOrder(id: $id) { id } }", {"id": order_id}),
        ]:
            response = targets["router"].post(query, variables, customer["token"])
            assert_clean_error(response, {"BAD_USER_INPUT", "ORDER_NOT_FOUND"})
    answer = targets["router"].post("query($id: ID!) { order(id: $id) { id } }", {"id": order_id}, router.token)
    assert not response_problems(answer), answer.text[:500]
    assert answer.json().get("data") in (None, {"order": None})


SIGN_UPS = {
    "username with a space": {"username": "ada lovelace"},
    "username with a right-to-left override": {"username": "ada\u202elovelace"},
    "username with a zero-width space": {"username": "ada\u200blovelace"},
    "username of 151 characters": {"username": "u" * 151},
    "username with NUL": {"username": "ada\u0000x"},
    "username with a lone surrogate": {"username": "ada\ud800"},
    "a demo username in full-width letters": {"username": "ａｄａ.ｌｏｖｅｌａｃｅ1"},
    "a demo username in other case": {"username": "ADA.LOVELACE1"},
    "email without a domain": {"email": "nobody@"},
    "email with NUL": {"email": "no\u0000body@x.example"},
    "a demo email in other case": {"email": "ADA.LOVELACE1@EXAMPLE.COM"},
    "password too short": {"password": "x"},
    "password all digits": {"password": "1234567890"},
    "password with a lone surrogate": {"password": "Sup3r-Secret-\ud800"},
}


@pytest.mark.parametrize("case", SIGN_UPS)
def test_a_bad_sign_up_is_refused_and_creates_nobody(targets, router, case):
    name = f"signup{uuid.uuid4().hex[:8]}"
    fields = {"username": name, "email": f"{name}@x.example", "fullName": "Sign Up", "password": "Sup3r-Secret-x9", **SIGN_UPS[case]}
    if case == "a demo email in other case":
        from federation_kit.demo import demo_user

        fields["email"] = demo_user(1).email.upper()
    with unchanged(router):
        response = targets["router"].post("mutation($i: CreateUserInput!) { createUser(input: $i) { id } }", {"i": fields})
        assert_clean_error(response, {"BAD_USER_INPUT", "USERNAME_TAKEN", "EMAIL_TAKEN"})


# (A username in full-width letters is the same username in NFKC, as it is stored: it logs in.)
@pytest.mark.parametrize("username", ["ada\u0000", "\ud800", "x" * 10_000], ids=["NUL", "lone surrogate", "10000 chars"])
def test_a_bad_login_is_refused_as_invalid_credentials(targets, username):
    query = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }"
    response = targets["router"].post(query, {"u": username, "p": "supergraph-demo"})
    assert_clean_error(response, {"INVALID_CREDENTIALS", "BAD_USER_INPUT"})


UNICODE_ROUND_TRIP = ["😀 emoji", "👩‍👩‍👧‍👦 family", "e\u0301 combining", "שלום\u200f mark", "zero\u200bwidth", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "日本語", "\U0010ffff max"]


def test_unicode_edge_cases_round_trip_unchanged(targets, customer):
    """Valid but unusual Unicode is stored and given back exactly (here as item names of the customer's order)."""
    items = [{"sku": f"U{i}", "name": name, "quantity": 1, "unitPrice": "1.00"} for i, name in enumerate(UNICODE_ROUND_TRIP)]
    query = "mutation($i: CreateOrderInput!) { createOrder(input: $i) { id items { name } } }"
    response = targets["router"].post(query, {"i": {"userId": customer["id"], "currency": "EUR", "items": items}}, customer["token"])
    assert not response_problems(response), response.text[:500]
    assert [i["name"] for i in response.json()["data"]["createOrder"]["items"]] == UNICODE_ROUND_TRIP


# ---------------------------------------------------------------------------------------------
# _entities: the router's own entry point, with representations it would never send
# ---------------------------------------------------------------------------------------------

ENTITIES = "query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on %s { id } } }"
BAD_REPRESENTATIONS = {
    "a string": ["x"],
    "a number": [1],
    "a list": [["User", "1"]],
    "an empty object": [{}],
    "no __typename": [{"id": "1"}],
    "__typename null": [{"__typename": None, "id": "1"}],
    "__typename a number": [{"__typename": 7, "id": "1"}],
    "__typename a list": [{"__typename": ["{entity}"], "id": "1"}],
    "__typename an object": [{"__typename": {"{entity}": 1}, "id": "1"}],
    "an unknown type": [{"__typename": "Nope", "id": "1"}],
    "a type that is no entity": [{"__typename": "_Service", "id": "1"}],
    "the Query type": [{"__typename": "Query", "id": "1"}],
    "no id": [{"__typename": "{entity}"}],
    "id null": [{"__typename": "{entity}", "id": None}],
    "id an object": [{"__typename": "{entity}", "id": {"a": 1}}],
    "id not a number": [{"__typename": "{entity}", "id": "abc"}],
    "id beyond 64 bits": [{"__typename": "{entity}", "id": "9" * 30}],
    "id negative": [{"__typename": "{entity}", "id": "-1"}],
    "id with a lone surrogate": [{"__typename": "{entity}", "id": "\ud800"}],
}
ENTITY_OF = {"users": "User", "orders": "Order", "payments": "Payment"}


@pytest.mark.parametrize("case", BAD_REPRESENTATIONS)
@pytest.mark.parametrize("name", SUBGRAPHS)
def test_malformed_entity_representations_get_a_clear_answer(targets, router, name, case):
    entity = ENTITY_OF[name]
    representations = json.loads(json.dumps(BAD_REPRESENTATIONS[case]).replace("{entity}", entity))
    response = targets[name].post(ENTITIES % entity, {"r": representations}, router.token)
    assert not (problems := response_problems(response)), f"{problems}\n{response.text[:800]}"
    body = response.json()
    # Either refused (BAD_USER_INPUT) or answered with no entity for it (null), like an unknown id.
    assert set(error_codes(body)) <= {"BAD_USER_INPUT"}, response.text[:500]
    if "errors" not in body:
        assert body["data"]["_entities"] == [None] * len(representations), response.text[:500]


@pytest.mark.parametrize("total", ["abc", "NaN", "", {"x": 1}, ["1"], True, "1e999999"], ids=repr)
def test_an_order_representation_with_a_malformed_total_gets_a_clear_answer(targets, router, total):
    """payments' Order.amountDue @requires(total): the router sends total; this one is malformed."""
    query = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id amountDue paymentStatus } } }"
    response = targets["payments"].post(query, {"r": [{"__typename": "Order", "id": "1", "total": total}]}, router.token)
    assert not (problems := response_problems(response)), f"{problems}\n{response.text[:800]}"
    assert set(error_codes(response.json())) <= {"BAD_USER_INPUT"}


def test_entities_are_not_reachable_through_the_router(router):
    response = router.post('{ _entities(representations: [{__typename: "User", id: "1"}]) { __typename } }')
    assert_clean_error(response, {"GRAPHQL_VALIDATION_FAILED"})


def test_no_demo_user_was_created_or_changed_here(router):
    users = _all(router, "users", "id username")
    assert [u["id"] for u in users[:DEMO_USERS]] == [str(i) for i in range(1, DEMO_USERS + 1)]


# The router keeps a document's text with its parse and plan (1,000 of them): a long one is refused,
# large values go in variables. What it then sends a subgraph fits the subgraphs' 2.5 MB, however it
# prints the document again: a DEL in a string literal, 1 byte in the client's JSON, becomes 7.
MAX_QUERY_CHARS = 32 * 1024  # supergraph/gateway.config.mjs


def test_a_query_longer_than_the_router_keeps_is_refused(targets, router):
    query = '{ user(id: "%s") { id } }' % ("1" * MAX_QUERY_CHARS)
    response = targets["router"].post_raw(encode_json({"query": query}), router.token)
    assert_clean_error(response, {"BAD_REQUEST"})
    assert response.status_code == 413 and "variables" in response.json()["errors"][0]["message"]


def test_the_largest_request_the_router_takes_is_answered_by_the_field_however_it_is_printed(targets, router):
    head = 'mutation($f: String!) { createUser(input: {username: "'
    tail = '", email: "x@x.example", password: "Sup3r-Secret-x9", fullName: $f}) { id } }'
    query = head + "\x7f" * (MAX_QUERY_CHARS - len(head) - len(tail)) + tail
    full_name = "x" * (2 * 1024 * 1024 - MAX_QUERY_CHARS - 100)
    body = encode_json({"query": query, "variables": {"f": full_name}})
    assert len(query) == MAX_QUERY_CHARS and len(body) <= 2 * 1024 * 1024
    with unchanged(router):
        response = targets["router"].post_raw(body, router.token)
        assert [(e["extensions"]["code"], e["extensions"].get("field")) for e in response.json()["errors"]] == [("BAD_USER_INPUT", "username")]
    assert response.status_code == 200
