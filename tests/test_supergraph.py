"""The supergraph through the router: one request, three services, real HTTP all the way."""

import re
import time
import uuid
from decimal import Decimal

import pytest
from conftest import DEMO_ORDERS, DEMO_USERS, SERVICES, error_codes

from federation_kit.demo import demo_order, demo_payments, demo_user

ORDERS_QUERY = """
{ orders(pagination: {limit: 5}) { id total currency user { id username } payments { amount status } paymentStatus } }
"""
USER_QUERY = "{ user(id: 1) { username orders { id total paymentStatus } } }"


def graphql_posts(stack) -> dict[str, int]:
    """Requests each service has answered on /graphql so far, from its access log.

    gunicorn writes the access line just after sending the response, so read until the
    counts have not moved for a moment.
    """

    def count() -> dict[str, int]:
        return {name: len(re.findall(r'"POST /graphql ', stack.processes[name].log_path.read_text())) for name in SERVICES}

    counts, deadline = count(), time.monotonic() + 5
    while time.monotonic() < deadline:
        time.sleep(0.3)
        if (latest := count()) == counts:
            return counts
        counts = latest
    return counts


def expected_status(order) -> str:
    payments = demo_payments(order)
    paid = sum((p.amount for p in payments if not p.refunded), Decimal(0))
    if paid == 0:
        return "REFUNDED" if payments else "UNPAID"
    return "PAID" if paid >= order.total else "PARTIALLY_PAID"


def test_orders_with_their_user_and_payments_in_one_request(router):
    body = router(ORDERS_QUERY)
    assert "errors" not in body
    orders = body["data"]["orders"]
    assert [o["id"] for o in orders] == ["1", "2", "3", "4", "5"]
    for order in orders:
        demo = demo_order(int(order["id"]), DEMO_USERS)
        assert order["total"] == str(demo.total) and order["currency"] == demo.currency
        assert order["user"] == {"id": str(demo.user_id), "username": demo_user(demo.user_id).username}
        assert order["payments"] == [
            {"amount": str(p.amount), "status": "REFUNDED" if p.refunded else "COMPLETED"} for p in demo_payments(demo)
        ]
        assert order["paymentStatus"] == expected_status(demo)


def test_a_user_with_their_orders_and_payment_status(router):
    body = router(USER_QUERY)
    assert "errors" not in body
    user = body["data"]["user"]
    assert user["username"] == demo_user(1).username
    owned = [i for i in range(1, DEMO_ORDERS + 1) if demo_order(i, DEMO_USERS).user_id == 1]
    assert [o["id"] for o in user["orders"]] == [str(i) for i in owned]
    assert [o["paymentStatus"] for o in user["orders"]] == [expected_status(demo_order(i, DEMO_USERS)) for i in owned]


@pytest.mark.parametrize(
    ("query", "fetches"),
    [
        (ORDERS_QUERY, {"orders": 1, "users": 1, "payments": 1}),
        # The Rust planner fetches the @requires(total) of orders reached through User.orders
        # with a second, one-query orders fetch although the first selected total already.
        (USER_QUERY, {"users": 1, "orders": 2, "payments": 1}),
        ("{ orders(pagination: {limit: 500}) { id user { username } paymentStatus } }", {"orders": 1, "users": 1, "payments": 1}),
        ("{ orders { id total } }", {"orders": 1, "users": 0, "payments": 0}),
    ],
)
def test_subgraph_fetches_per_request(stack, router, query, fetches):
    before = graphql_posts(stack)
    assert "errors" not in router(query)
    after = graphql_posts(stack)
    assert {name: after[name] - before[name] for name in after} == fetches


CREATE_ORDER = """
mutation($input: CreateOrderInput!) {
  createOrder(input: $input) { id status total currency user { id username } items { sku quantity unitPrice } }
}
"""
PAY_ORDER = """
mutation($input: PayOrderInput!) { payOrder(input: $input) { id amount currency status order { id paymentStatus amountDue } } }
"""
ORDER_STATE = "query($id: ID!) { order(id: $id) { id status total amountPaid amountDue paymentStatus payments { id amount } } }"


# Orders placed here belong to a demo user no other file asserts the exact orders of
# (test_auth's customers are 2 and 3): the files pass in any order.
CUSTOMER_ID = 5


def new_order(router, user_id=str(CUSTOMER_ID), price="10.00", quantity=3) -> dict:
    items = [{"sku": "KB-001", "name": "Keyboard", "quantity": quantity, "unitPrice": price}]
    body = router(CREATE_ORDER, {"input": {"userId": user_id, "currency": "EUR", "items": items}})
    assert "errors" not in body, body
    return body["data"]["createOrder"]


def pay(router, order_id, amount, key=None) -> dict:
    key = key or str(uuid.uuid4())
    return router(PAY_ORDER, {"input": {"orderId": order_id, "amount": amount, "method": "CARD", "idempotencyKey": key}})


def test_create_order_checks_the_user_and_answers_across_services(router):
    order = new_order(router)
    assert order["status"] == "PLACED" and order["total"] == "30.00"
    assert order["user"] == {"id": str(CUSTOMER_ID), "username": demo_user(CUSTOMER_ID).username}
    state = router(ORDER_STATE, {"id": order["id"]})["data"]["order"]
    assert (state["amountPaid"], state["amountDue"], state["paymentStatus"]) == ("0.00", "30.00", "UNPAID")


def test_create_order_for_an_unknown_user_writes_nothing(router):
    items = [{"sku": "X", "name": "X", "quantity": 1, "unitPrice": "1.00"}]
    body = router(CREATE_ORDER, {"input": {"userId": "99999", "currency": "EUR", "items": items}})
    assert error_codes(body) == ["USER_NOT_FOUND"]
    assert router("{ orders(userId: 99999) { id } }")["data"]["orders"] == []


def test_create_order_with_bad_input_is_refused(router):
    items = [{"sku": "X", "name": "X", "quantity": 0, "unitPrice": "1.00"}]
    body = router(CREATE_ORDER, {"input": {"userId": "1", "currency": "EUR", "items": items}})
    assert error_codes(body) == ["BAD_USER_INPUT"]


def test_create_order_with_an_idempotency_key_orders_once(stack, router):
    key = f"e2e-order-{uuid.uuid4()}"
    items = [{"sku": "KB-001", "name": "Keyboard", "quantity": 1, "unitPrice": "10.00"}]
    order_input = {"userId": str(CUSTOMER_ID), "currency": "EUR", "items": items, "idempotencyKey": key}
    answers, users_asked = [], []
    for _ in range(2):
        before = graphql_posts(stack)["users"]
        answers.append(router(CREATE_ORDER, {"input": order_input})["data"]["createOrder"])
        users_asked.append(graphql_posts(stack)["users"] - before)
    first, again = answers
    assert again == first
    assert users_asked == [2, 1]  # createOrder's check, then the answer's User.username: the replay skips the check
    reused = router(CREATE_ORDER, {"input": {**order_input, "currency": "USD"}})
    assert error_codes(reused) == ["IDEMPOTENCY_KEY_REUSED"]
    orders = router("query($u: ID) { orders(userId: $u, pagination: {limit: 500}) { id idempotencyKey } }", {"u": CUSTOMER_ID})
    assert [o["id"] for o in orders["data"]["orders"] if o["idempotencyKey"] == key] == [first["id"]]


def test_pay_an_order_in_parts_idempotently_and_never_beyond_what_is_due(router):
    order = new_order(router, price="25.00", quantity=2)  # 50.00 due
    first = pay(router, order["id"], "20.00", key="e2e-first")
    assert first["data"]["payOrder"]["order"] == {"id": order["id"], "paymentStatus": "PARTIALLY_PAID", "amountDue": "30.00"}
    replay = pay(router, order["id"], "20.00", key="e2e-first")
    assert replay["data"]["payOrder"]["id"] == first["data"]["payOrder"]["id"]

    too_much = pay(router, order["id"], "30.01")
    assert error_codes(too_much) == ["AMOUNT_EXCEEDS_DUE"]
    assert too_much["errors"][0]["extensions"]["amountDue"] == "30.00"

    rest = pay(router, order["id"], "30.00")
    assert rest["data"]["payOrder"]["order"]["paymentStatus"] == "PAID"
    state = router(ORDER_STATE, {"id": order["id"]})["data"]["order"]
    assert (state["amountPaid"], state["amountDue"], len(state["payments"])) == ("50.00", "0.00", 2)


def test_money_is_answered_in_cents_however_it_was_sent(router):
    order = new_order(router, price="2.5", quantity=2)
    assert (order["total"], order["items"][0]["unitPrice"]) == ("5.00", "2.50")
    first = pay(router, order["id"], "1", key="e2e-cents")["data"]["payOrder"]
    assert first["amount"] == "1.00"
    replay = pay(router, order["id"], "1.0", key="e2e-cents")["data"]["payOrder"]
    assert (replay["id"], replay["amount"]) == (first["id"], "1.00")
    too_much = pay(router, order["id"], "4.100")
    assert "amount 4.10 exceeds" in too_much["errors"][0]["message"]
    state = router(ORDER_STATE, {"id": order["id"]})["data"]["order"]
    assert [p["amount"] for p in state["payments"]] == ["1.00"]


def test_a_cancelled_or_unknown_order_cannot_be_paid(router):
    order = new_order(router)
    cancelled = router('mutation($id: ID!) { cancelOrder(id: $id) { status } }', {"id": order["id"]})
    assert cancelled["data"]["cancelOrder"]["status"] == "CANCELLED"
    assert error_codes(pay(router, order["id"], "1.00")) == ["ORDER_NOT_PAYABLE"]
    assert error_codes(pay(router, "987654", "1.00")) == ["ORDER_NOT_FOUND"]
    assert router(ORDER_STATE, {"id": order["id"]})["data"]["order"]["payments"] == []


def test_writes_fail_cleanly_while_a_dependency_is_down_and_succeed_after(stack, router):
    order = new_order(router)
    orders_of_user_3 = "{ orders(userId: 3) { id } }"
    before = router(orders_of_user_3)["data"]["orders"]
    stack.stop_process("users")
    try:
        items = [{"sku": "X", "name": "X", "quantity": 1, "unitPrice": "1.00"}]
        body = router(CREATE_ORDER, {"input": {"userId": "3", "currency": "EUR", "items": items}})
        assert error_codes(body) == ["DEPENDENCY_UNAVAILABLE"]
        assert router(orders_of_user_3)["data"]["orders"] == before
    finally:
        stack.restart_process("users")
    assert new_order(router)["status"] == "PLACED"

    stack.stop_process("orders")
    try:
        assert error_codes(pay(router, order["id"], "1.00", key="while-orders-down")) == ["DEPENDENCY_UNAVAILABLE"]
    finally:
        stack.restart_process("orders")
    assert pay(router, order["id"], "1.00", key="while-orders-down")["data"]["payOrder"]["amount"] == "1.00"
    assert len(router(ORDER_STATE, {"id": order["id"]})["data"]["order"]["payments"]) == 1


def test_errors_through_the_router_carry_codes(router):
    assert error_codes(router("{ orders(pagination: {limit: 501}) { id } }")) == ["BAD_USER_INPUT"]
    response = router.post("{ orderz { id } }")
    assert error_codes(response.json()) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "Traceback" not in response.text


def test_router_is_ready(stack, router):
    url = router.url.removesuffix("/graphql")
    assert router.http.get(f"{url}/readiness").status_code == 200
