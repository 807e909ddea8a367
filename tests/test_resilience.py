"""Keeps working and loses nothing: outages, slow subgraphs, restarts, and money under concurrency."""

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import httpx
from conftest import error_codes
from faults import DelayProxy

ORDERS_WITH_PAYMENTS = "{ orders(pagination: {limit: 20}) { id user { username } payments { amount } paymentStatus } }"
CREATE_ORDER = "mutation($input: CreateOrderInput!) { createOrder(input: $input) { id total items { quantity } } }"
PAY_ORDER = "mutation($input: PayOrderInput!) { payOrder(input: $input) { id amount idempotencyKey } }"
CANCEL_ORDER = "mutation($id: ID!) { cancelOrder(id: $id) { status } }"
ORDER_STATE = "query($id: ID!) { order(id: $id) { status total amountPaid payments { id amount status } } }"


def create_order(router, user_id: int = 4, unit_price: str = "10.00", quantity: int = 10) -> dict:
    items = [{"sku": "SOAK", "name": "Soak test item", "quantity": quantity, "unitPrice": unit_price}]
    body = router(CREATE_ORDER, {"input": {"userId": str(user_id), "currency": "EUR", "items": items}})
    assert "errors" not in body, body
    return body["data"]["createOrder"]


def pay_input(order_id: str, amount: str, key: str | None = None) -> dict:
    return {"input": {"orderId": order_id, "amount": amount, "method": "CARD", "idempotencyKey": key or str(uuid.uuid4())}}


def test_a_subgraph_down_leaves_the_rest_of_the_answer(stack, router):
    healthy = router(ORDERS_WITH_PAYMENTS)["data"]["orders"]
    stack.stop_process("payments")
    try:
        body = router(ORDERS_WITH_PAYMENTS)
        orders = body["data"]["orders"]
        assert [(o["id"], o["user"]) for o in orders] == [(o["id"], o["user"]) for o in healthy]
        assert all(o["payments"] is None and o["paymentStatus"] is None for o in orders)
        assert {(e["extensions"]["code"], e["extensions"].get("serviceName")) for e in body["errors"]} == {
            ("SUBREQUEST_HTTP_ERROR", "payments")
        }, body["errors"]
        assert "127.0.0.1" not in str(body["errors"])
        readiness = httpx.get(stack.url("router").removesuffix("/graphql") + "/readiness")
        assert readiness.status_code == 200
    finally:
        stack.restart_process("payments")
    # No router restart: the next request reaches the payments service again.
    assert router(ORDERS_WITH_PAYMENTS) == {"data": {"orders": healthy}}


def test_a_mutation_told_apart_from_a_field_of_its_answer_when_a_subgraph_is_down(stack, router):
    """payOrder with payments down may or may not have been carried out; createOrder with payments
    down was, and only the fields payments adds to the order are missing."""
    order = create_order(router)
    stack.stop_process("payments")
    try:
        paid = router(PAY_ORDER, pay_input(order["id"], "1.00"))
        created = router(
            "mutation($input: CreateOrderInput!) { createOrder(input: $input) { id amountDue } }",
            {"input": {"userId": "4", "currency": "EUR", "items": [{"sku": "D", "name": "Down", "quantity": 1, "unitPrice": "2.00"}]}},
        )
    finally:
        stack.restart_process("payments")
    assert paid["data"] is None
    assert [(e["extensions"]["code"], e["path"], e["message"]) for e in paid["errors"]] == [
        (
            "SUBREQUEST_HTTP_ERROR",
            ["payOrder"],
            "The payments subgraph is unavailable: whether this mutation was carried out is not known. "
            "Check, or send it again: createOrder and payOrder with the same idempotencyKey are carried out once",
        )
    ]
    assert created["data"]["createOrder"]["id"] and created["data"]["createOrder"]["amountDue"] is None
    assert [(e["extensions"]["code"], e["message"]) for e in created["errors"]] == [
        ("SUBREQUEST_HTTP_ERROR", "The payments subgraph is unavailable: its fields are null in this answer")
    ], created["errors"]


def test_a_slow_subgraph_times_out_without_stalling_the_others(stack, router):
    with DelayProxy(stack.ports["payments"]) as proxy:
        limits = {"subgraph_timeout_ms": 800, "max_depth": 12, "max_tokens": 1000, "max_cost": 25000}
        stack.reconfigure_router({"payments": proxy.url}, {"limits": limits})
        try:
            proxy.delay = 3.0
            started = time.monotonic()
            response = router.post(ORDERS_WITH_PAYMENTS)
            assert time.monotonic() - started < 2.5
            assert response.status_code == 504  # the answer is partial: the router says so
            body = response.json()
            assert len(body["data"]["orders"]) == 20 and body["data"]["orders"][0]["payments"] is None
            assert error_codes(body) == ["GATEWAY_TIMEOUT"] and body["errors"][0]["extensions"]["serviceName"] == "payments"
            assert body["errors"][0]["message"] == "The payments subgraph did not answer in time: its fields are null in this answer"
            assert "query" not in str(body["errors"]) and "127.0.0.1" not in str(body["errors"])

            # Queries that do not touch payments are not held up by it.
            with ThreadPoolExecutor(4) as pool:
                slow = pool.submit(router.post, ORDERS_WITH_PAYMENTS)
                started = time.monotonic()
                fast = [pool.submit(router, "{ orders(pagination: {limit: 5}) { id user { username } } }") for _ in range(3)]
                assert all("errors" not in f.result() for f in fast)
                assert time.monotonic() - started < 0.75
                slow.result()
        finally:
            stack.reconfigure_router({}, {})
    assert "errors" not in router(ORDERS_WITH_PAYMENTS)


def test_writes_during_a_restart_are_committed_whole_or_answered_with_an_error(stack, router):
    user_id = 5
    before = {o["id"] for o in router("query($u: ID) { orders(userId: $u, pagination: {limit: 500}) { id } }", {"u": user_id})["data"]["orders"]}
    created, failed = [], []

    def write(n: int) -> None:
        items = [{"sku": f"R-{n}", "name": "Restart", "quantity": 3, "unitPrice": "2.50"}]
        try:
            body = router(CREATE_ORDER, {"input": {"userId": str(user_id), "currency": "EUR", "items": items}})
        except (AssertionError, httpx.HTTPError) as error:
            failed.append(repr(error))
            return
        (created if "errors" not in body else failed).append(body)

    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(write, n) for n in range(12)]
        time.sleep(0.3)
        stack.restart_process("orders")
        futures += [pool.submit(write, n) for n in range(12, 24)]
        for future in futures:
            future.result()
    # A page of 200: with up to 100 items an order, 500 orders with their items cost more than limits.max_cost.
    after = router("query($u: ID) { orders(userId: $u, pagination: {limit: 200}) { id total items { quantity } } }", {"u": user_id})
    new = {o["id"]: o for o in after["data"]["orders"] if o["id"] not in before}
    assert created, "some writes must have gone through"
    for body in created:  # nothing lost after a success
        assert body["data"]["createOrder"]["id"] in new
    for order in new.values():  # nothing half-written
        assert order["total"] == "7.50" and order["items"] == [{"quantity": 3}]
    assert len(created) <= len(new) <= len(created) + len(failed)


def test_the_same_idempotency_key_fifty_times_at_once_pays_once(router):
    order = create_order(router)
    with ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(lambda _: router(PAY_ORDER, pay_input(order["id"], "10.00", key=f"once-{order['id']}")), range(50)))
    assert all("errors" not in a for a in answers), [a for a in answers if "errors" in a][:2]
    assert len({a["data"]["payOrder"]["id"] for a in answers}) == 1
    state = router(ORDER_STATE, {"id": order["id"]})["data"]["order"]
    assert len(state["payments"]) == 1 and state["amountPaid"] == "10.00"


def test_the_same_order_key_fifty_times_at_once_orders_once(router):
    key = f"once-{uuid.uuid4()}"
    items = [{"sku": "SOAK", "name": "Soak test item", "quantity": 1, "unitPrice": "10.00"}]
    order_input = {"input": {"userId": "4", "currency": "EUR", "items": items, "idempotencyKey": key}}
    with ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(lambda _: router(CREATE_ORDER, order_input), range(50)))
    assert all("errors" not in a for a in answers), [a for a in answers if "errors" in a][:2]
    assert len({a["data"]["createOrder"]["id"] for a in answers}) == 1
    orders = router("{ orders(userId: 4, pagination: {limit: 500}) { idempotencyKey } }")["data"]["orders"]
    assert [o["idempotencyKey"] for o in orders].count(key) == 1


def test_concurrent_payments_never_exceed_the_total(router):
    order = create_order(router)  # 100.00 due
    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda _: router(PAY_ORDER, pay_input(order["id"], "15.00")), range(20)))
    paid = [a for a in answers if "errors" not in a]
    refused = [a for a in answers if "errors" in a]
    assert len(paid) == 6 and {code for a in refused for code in error_codes(a)} == {"AMOUNT_EXCEEDS_DUE"}
    state = router(ORDER_STATE, {"id": order["id"]})["data"]["order"]
    assert Decimal(state["amountPaid"]) == Decimal("90.00") <= Decimal(state["total"])


def test_cancel_racing_pay_never_leaves_a_payment_on_a_cancelled_order(router):
    orders = [create_order(router, quantity=1) for _ in range(6)]
    with ThreadPoolExecutor(12) as pool:
        cancels = [pool.submit(router, CANCEL_ORDER, {"id": o["id"]}) for o in orders]
        payments = [pool.submit(router, PAY_ORDER, pay_input(o["id"], "10.00")) for o in orders]
        outcomes = [(c.result(), p.result()) for c, p in zip(cancels, payments)]
    for order, (cancel, payment) in zip(orders, outcomes):
        state = router(ORDER_STATE, {"id": order["id"]})["data"]["order"]
        completed = [p for p in state["payments"] if p["status"] == "COMPLETED"]
        assert not (state["status"] == "CANCELLED" and completed), (cancel, payment, state)
        # Exactly one of the two won; the other got a clear refusal.
        assert ("errors" in cancel) != ("errors" in payment), (cancel, payment)
        if "errors" in cancel:
            assert error_codes(cancel) == ["ORDER_NOT_CANCELLABLE"]
        else:
            assert error_codes(payment) == ["ORDER_NOT_PAYABLE"]


def test_a_failed_write_can_be_retried_and_applies_once(stack, router):
    order = create_order(router)
    stack.stop_process("orders")
    try:
        assert error_codes(router(PAY_ORDER, pay_input(order["id"], "5.00", key=f"retry-{order['id']}"))) == ["DEPENDENCY_UNAVAILABLE"]
    finally:
        stack.restart_process("orders")
    for _ in range(2):
        assert router(PAY_ORDER, pay_input(order["id"], "5.00", key=f"retry-{order['id']}"))["data"]["payOrder"]["amount"] == "5.00"
    assert len(router(ORDER_STATE, {"id": order["id"]})["data"]["order"]["payments"]) == 1
