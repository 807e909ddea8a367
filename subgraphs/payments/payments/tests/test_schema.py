import json
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.management import call_command

from federation_kit.batching import group_by
from federation_kit.demo import demo_order, demo_payments
from federation_kit.models import OutboxEvent
from federation_kit.testing import ENTITIES, answering_server, error_codes, graphql, token_for, refused_url, representations
from payments.models import MAX_PAYMENTS_PER_ORDER, OrderClosure, Payment

ORDER_PAYMENT_FIELDS = "... on Order { id payments { amount status } amountPaid amountDue paymentStatus }"

STAFF = token_for(1000, staff=True)


def gql(client, query, variables=None, token=STAFF):
    """As staff, who may see everything, unless a test says who is asking."""
    return graphql(client, query, variables, token)


def pay(order_id: int, amount: str, status=Payment.Status.COMPLETED, key: str | None = None, user_id: int = 1) -> Payment:
    return Payment.objects.create(
        order_id=order_id,
        user_id=user_id,
        amount=Decimal(amount),
        currency="EUR",
        method=Payment.Method.CARD,
        status=status,
        idempotency_key=key or f"k-{order_id}-{Payment.objects.count()}",
    )


def test_each_orders_payments_come_oldest_first_from_one_query_without_order_by(client, django_assert_num_queries):
    pay(5, "1.00"), pay(6, "2.00"), pay(5, "3.00"), pay(5, "4.00")
    with django_assert_num_queries(1) as captured:
        body = gql(client, ENTITIES % "... on Order { payments { amount } }", {"r": representations("Order", [5, 6])})
    assert [[p["amount"] for p in o["payments"]] for o in body["data"]["_entities"]] == [["1.00", "3.00", "4.00"], ["2.00"]]
    assert "ORDER BY" not in captured.captured_queries[0]["sql"]


def test_a_batch_sorts_each_group_whatever_order_the_database_returns_its_rows_in():
    # Without an ORDER BY, PostgreSQL returns rows as they lie (SQLite's happen to come by id).
    rows = [SimpleNamespace(pk=pk, order_id=order) for pk, order in [(7, 1), (3, 2), (5, 1), (1, 1)]]
    groups = group_by(rows, "order_id", sorted_by="pk")
    assert {order: [row.pk for row in group] for order, group in groups.items()} == {1: [1, 5, 7], 2: [3]}


def test_payment_status_of_each_kind_in_one_query(client, django_assert_num_queries):
    pay(2, "40.00")
    pay(3, "60.00"), pay(3, "40.00")
    pay(4, "100.00", status=Payment.Status.REFUNDED)
    reps = representations("Order", [1, 2, 3, 4], total="100.00")
    with django_assert_num_queries(1):
        body = gql(client, ENTITIES % ORDER_PAYMENT_FIELDS, {"r": reps})
    assert [(e["amountPaid"], e["amountDue"], e["paymentStatus"]) for e in body["data"]["_entities"]] == [
        ("0.00", "100.00", "UNPAID"),
        ("40.00", "60.00", "PARTIALLY_PAID"),
        ("100.00", "0.00", "PAID"),
        ("0.00", "100.00", "REFUNDED"),
    ]
    assert body["data"]["_entities"][2]["payments"] == [
        {"amount": "60.00", "status": "COMPLETED"},
        {"amount": "40.00", "status": "COMPLETED"},
    ]


@pytest.mark.parametrize("count", [1, 100, 5000])
def test_order_entities_cost_one_query_whatever_the_batch_size(client, django_assert_num_queries, count):
    Payment.objects.bulk_create(
        Payment(order_id=i, user_id=1, amount=Decimal("5.00"), currency="EUR", method="CARD", idempotency_key=f"k{i}")
        for i in range(1, count + 1)
    )
    reps = representations("Order", list(range(count, 0, -1)), total="10.00")
    with django_assert_num_queries(1):
        body = gql(client, ENTITIES % ORDER_PAYMENT_FIELDS, {"r": reps})
    entities = body["data"]["_entities"]
    assert [e["id"] for e in entities] == [r["id"] for r in reps]
    assert {e["paymentStatus"] for e in entities} == {"PARTIALLY_PAID"}


@pytest.mark.parametrize("count", [1, 100, 500])
def test_payments_list_is_one_query(client, django_assert_num_queries, count):
    for i in range(count):
        pay(i + 1, "1.00")
    with django_assert_num_queries(1):
        body = gql(client, "{ payments(pagination: {limit: 500}) { id amount currency method status order { id } } }")
    assert len(body["data"]["payments"]) == count
    assert body["data"]["payments"][0]["order"] == {"id": "1"}


@pytest.mark.parametrize("count", [1, 100, 500])
def test_the_orders_of_a_list_of_payments_get_their_payments_with_one_query(client, django_assert_num_queries, count):
    # Payment.order makes a stub per row; the stubs of rows loaded together share one batch.
    for i in range(count):
        pay(i // 2 + 1, "1.00")  # two payments an order
    with django_assert_num_queries(2):  # the payments, then all their orders' payments
        body = gql(client, "{ payments(pagination: {limit: 500}) { id order { id amountPaid payments { id } } } }")
    payments = body["data"]["payments"]
    assert len(payments) == count
    for payment in payments:
        same_order = Payment.objects.filter(order_id=payment["order"]["id"]).values_list("pk", flat=True)
        assert [p["id"] for p in payment["order"]["payments"]] == [str(pk) for pk in same_order]
        assert payment["order"]["amountPaid"] == f"{len(same_order)}.00"


@pytest.mark.parametrize("pagination", ["", "(pagination: null)"])
def test_a_list_without_pagination_is_its_first_page_of_the_default_size(client, settings, pagination):
    default = settings.STRAWBERRY_DJANGO["PAGINATION_DEFAULT_LIMIT"]
    for order_id in range(1, default + 2):
        pay(order_id, "1.00", key=f"k{order_id}")
    body = gql(client, "{ payments%s { id } }" % pagination)
    assert len(body["data"]["payments"]) == default


def test_payments_filter_by_order(client):
    pay(7, "1.00"), pay(8, "2.00"), pay(7, "3.00")
    body = gql(client, "{ payments(orderId: 7) { amount } }")
    assert body["data"]["payments"] == [{"amount": "1.00"}, {"amount": "3.00"}]


PAY = """
mutation($input: PayOrderInput!) {
  payOrder(input: $input) { id amount currency method status idempotencyKey order { id } }
}
"""


def pay_input(**overrides):
    return {"orderId": "1", "amount": "10.00", "method": "CARD", "idempotencyKey": "attempt-1", **overrides}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "-5.00"}, "amount"),
        ({"amount": "1.001"}, "amount"),
        ({"amount": "Infinity"}, "amount"),
        ({"idempotencyKey": ""}, "idempotencyKey"),
        ({"idempotencyKey": "k" * 101}, "idempotencyKey"),
        ({"orderId": "-1"}, "orderId"),
    ],
)
def test_pay_order_rejects_bad_input_without_writing(client, settings, overrides, field):
    settings.ORDERS_SERVICE_URL = refused_url()
    body = gql(client, PAY, {"input": pay_input(**overrides)})
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == field
    assert not Payment.objects.exists()


def test_pay_order_with_orders_unreachable_is_dependency_unavailable(client, settings):
    settings.ORDERS_SERVICE_URL = refused_url()
    body = gql(client, PAY, {"input": pay_input()})
    assert error_codes(body) == ["DEPENDENCY_UNAVAILABLE"]
    assert not Payment.objects.exists()


def test_replaying_an_idempotency_key_returns_the_payment_without_asking_orders(client, settings):
    existing = pay(1, "10.00", key="attempt-1")
    settings.ORDERS_SERVICE_URL = refused_url()
    body = gql(client, PAY, {"input": pay_input()})
    assert body["data"]["payOrder"]["id"] == str(existing.pk)
    assert Payment.objects.count() == 1


def test_reusing_an_idempotency_key_for_another_payment_is_refused(client):
    pay(1, "10.00", key="attempt-1")
    body = gql(client, PAY, {"input": pay_input(amount="11.00")})
    assert error_codes(body) == ["IDEMPOTENCY_KEY_REUSED"]
    assert Payment.objects.count() == 1


def test_an_idempotency_key_is_per_order(client, settings):
    order = b'{"data": {"order": {"id": "1", "status": "PLACED", "total": "100.00", "currency": "EUR", "user": {"id": "1"}}}}'
    with answering_server(order) as url:
        settings.ORDERS_SERVICE_URL = url
        first = gql(client, PAY, {"input": pay_input()})["data"]["payOrder"]
        other_order = gql(client, PAY, {"input": pay_input(orderId="2")})["data"]["payOrder"]
        assert gql(client, PAY, {"input": pay_input()})["data"]["payOrder"] == first
        reused = gql(client, PAY, {"input": pay_input(amount="11.00")})
    assert (first["order"], other_order["order"]) == ({"id": "1"}, {"id": "2"})
    assert error_codes(reused) == ["IDEMPOTENCY_KEY_REUSED"]
    assert reused["errors"][0]["message"] == "This idempotencyKey was already used for another payment of order 1"
    assert Payment.objects.count() == 2


def test_seed_demo_covers_every_payment_status(client):
    call_command("seed_demo", orders=60, users=5)
    orders = [demo_order(i, 5) for i in range(1, 61)]
    expected = sum(len(demo_payments(o)) for o in orders)
    assert Payment.objects.count() == expected
    reps = [{"__typename": "Order", "id": str(o.id), "total": str(o.total)} for o in orders]
    body = gql(client, ENTITIES % "... on Order { paymentStatus }", {"r": reps})
    statuses = {e["paymentStatus"] for e in body["data"]["_entities"]}
    assert statuses == {"UNPAID", "PARTIALLY_PAID", "PAID", "REFUNDED"}


CLOSE = "mutation($id: ID!) { closeOrderForPayments(orderId: $id) }"
ORDER_10 = b'{"data": {"order": {"id": "5", "status": "PLACED", "total": "10.00", "currency": "EUR", "user": {"id": "1"}}}}'


def test_a_closed_order_takes_no_payment_and_a_paid_one_cannot_close(client, settings):
    pay(5, "10.00")
    with answering_server(ORDER_10) as url:
        settings.ORDERS_SERVICE_URL = url
        assert error_codes(gql(client, CLOSE, {"id": "5"})) == ["ORDER_NOT_CANCELLABLE"]
        assert gql(client, CLOSE, {"id": "6"})["data"]["closeOrderForPayments"] is True
        assert gql(client, CLOSE, {"id": "6"})["data"]["closeOrderForPayments"] is True  # idempotent
        pay(7, "10.00", status=Payment.Status.REFUNDED)
        assert gql(client, CLOSE, {"id": "7"})["data"]["closeOrderForPayments"] is True
    assert set(OrderClosure.objects.values_list("order_id", flat=True)) == {6, 7}


@pytest.mark.parametrize(
    ("orders_answer", "code"),
    [
        (b'{"data": {"order": null}, "errors": [{"message": "Order 6 is not yours", "extensions": {"code": "FORBIDDEN"}}]}', "FORBIDDEN"),
        (b'{"data": {"order": null}}', "ORDER_NOT_FOUND"),  # a later order with this id must stay payable
    ],
)
def test_only_an_order_the_caller_may_see_closes(client, settings, orders_answer, code):
    asked = []
    with answering_server(orders_answer, received=asked) as url:
        settings.ORDERS_SERVICE_URL = url
        body = gql(client, CLOSE, {"id": "6"}, token=token_for(2))
    assert error_codes(body) == [code]
    assert json.loads(asked[0])["variables"] == {"id": "6"}
    assert not OrderClosure.objects.exists() and not OutboxEvent.objects.exists()


def test_closing_with_orders_unreachable_is_dependency_unavailable(client, settings):
    settings.ORDERS_SERVICE_URL = refused_url()
    assert error_codes(gql(client, CLOSE, {"id": "6"})) == ["DEPENDENCY_UNAVAILABLE"]
    assert not OrderClosure.objects.exists() and not OutboxEvent.objects.exists()


def test_the_orders_total_asked_outside_a_representation_is_bad_input_not_a_bug(client, caplog):
    # Order.total is @external: this service knows it only from a representation that carries it.
    payment = Payment.objects.create(
        order_id=7, user_id=1, amount=Decimal("1.00"), currency="EUR", method="CARD", idempotency_key="k-total"
    )
    staff = token_for(1, staff=True)
    queries = [
        (ENTITIES % "... on Order { total }", {"r": representations("Order", [7])}),
        ("query($id: ID!) { payment(id: $id) { order { total } } }", {"id": str(payment.pk)}),
    ]
    for query, variables in queries:
        body = graphql(client, query, variables, token=staff)
        assert [(e["extensions"]["code"], e["extensions"]["field"]) for e in body["errors"]] == [("BAD_USER_INPUT", "total")]
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


def test_what_is_due_is_exact_to_the_cent(client, settings):
    order = b'{"data": {"order": {"id": "1", "status": "PLACED", "total": "0.30", "currency": "EUR", "user": {"id": "1"}}}}'
    with answering_server(order) as url:
        settings.ORDERS_SERVICE_URL = url
        for n in range(3):
            assert "errors" not in gql(client, PAY, {"input": pay_input(amount="0.10", idempotencyKey=f"part-{n}")})
        body = gql(client, PAY, {"input": pay_input(amount="0.01", idempotencyKey="one-cent-more")})
    assert error_codes(body) == ["AMOUNT_EXCEEDS_DUE"]
    assert body["errors"][0]["extensions"]["amountDue"] == "0.00"


def test_an_order_takes_at_most_its_most_payments_refunded_ones_included(client, settings):
    # Order.payments tells the router's cost estimate an order lists at most MAX_PAYMENTS_PER_ORDER:
    # a payment of a cent more each time made it list as many as the total had cents.
    order = b'{"data": {"order": {"id": "1", "status": "PLACED", "total": "100.00", "currency": "EUR", "user": {"id": "1"}}}}'
    pay(1, "1.00", status=Payment.Status.REFUNDED)
    with answering_server(order) as url:
        settings.ORDERS_SERVICE_URL = url
        for n in range(1, MAX_PAYMENTS_PER_ORDER):
            assert "errors" not in gql(client, PAY, {"input": pay_input(amount="0.01", idempotencyKey=f"cent-{n}")})
        refused = gql(client, PAY, {"input": pay_input(amount="0.01", idempotencyKey="one-more")})
        again = gql(client, PAY, {"input": pay_input(amount="0.01", idempotencyKey="cent-1")})  # a replay still answers
    assert error_codes(refused) == ["ORDER_NOT_PAYABLE"]
    assert refused["errors"][0]["message"] == f"Order 1 has {MAX_PAYMENTS_PER_ORDER} payments, the most an order takes ({MAX_PAYMENTS_PER_ORDER})"
    assert "errors" not in again
    assert Payment.objects.filter(order_id=1).count() == MAX_PAYMENTS_PER_ORDER
    body = gql(client, '{ payments(orderId: "1", pagination: {limit: 500}) { id } }')
    assert len(body["data"]["payments"]) == MAX_PAYMENTS_PER_ORDER
