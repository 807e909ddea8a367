"""Payments are the order owner's and staff's."""

from decimal import Decimal

import pytest

from federation_kit.testing import ENTITIES, answering_server, error_codes, graphql, refused_url, representations, token_for
from payments.models import Payment

ALICE, BOB, STAFF = token_for(1), token_for(2), token_for(3, staff=True)


@pytest.fixture
def payments(db) -> dict[int, Payment]:
    return {
        user_id: Payment.objects.create(
            order_id=10 + user_id, user_id=user_id, amount=Decimal("5.00"), currency="EUR", method="CARD",
            idempotency_key=f"key-{user_id}",
        )  # fmt: skip
        for user_id in (1, 2)
    }


@pytest.mark.parametrize(("token", "owners"), [(ALICE, [1]), (BOB, [2]), (STAFF, [1, 2]), (None, [])])
def test_payments_show_only_what_the_viewer_may_see(client, payments, token, owners):
    body = graphql(client, "{ payments { orderId: order { id } } }", token=token)
    assert [int(p["orderId"]["id"]) - 10 for p in body["data"]["payments"]] == owners
    reps = representations("Order", [11, 12], total="5.00")
    entities = graphql(client, ENTITIES % "... on Order { payments { id } amountPaid }", {"r": reps}, token)
    assert [len(e["payments"]) for e in entities["data"]["_entities"]] == [int(1 in owners), int(2 in owners)]


def test_an_order_reached_through_a_payment_shows_only_what_the_viewer_may_see(client, payments):
    # Not an _entities stub: Payment.order makes it alone, and the viewer still filters its payments.
    other = Payment.objects.create(
        order_id=11, user_id=2, amount=Decimal("1.00"), currency="EUR", method="CARD", idempotency_key="key-other"
    )
    query = "{ payments { order { id payments { id } } } }"
    assert graphql(client, query, token=ALICE)["data"]["payments"] == [
        {"order": {"id": "11", "payments": [{"id": str(payments[1].pk)}]}}
    ]
    staff_view = graphql(client, query, token=STAFF)["data"]["payments"]
    assert staff_view[0]["order"]["payments"] == [{"id": str(payments[1].pk)}, {"id": str(other.pk)}]


def test_another_users_payment_is_forbidden(client, payments):
    query = "{ payment(id: %d) { amount } }" % payments[1].pk
    assert graphql(client, query, token=ALICE)["data"]["payment"] == {"amount": "5.00"}
    assert error_codes(graphql(client, query, token=BOB)) == ["FORBIDDEN"]
    assert error_codes(graphql(client, query)) == ["UNAUTHENTICATED"]


PAY = "mutation($input: PayOrderInput!) { payOrder(input: $input) { id } }"


def test_pay_order_needs_a_login(client, settings):
    settings.ORDERS_SERVICE_URL = refused_url()
    body = graphql(client, PAY, {"input": {"orderId": "11", "amount": "1.00", "method": "CARD", "idempotencyKey": "k"}})
    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert not Payment.objects.exists()


def test_someone_elses_idempotency_key_reveals_nothing(client, settings, payments):
    # Bob replaying Alice's payment of her order gets what any new payment of it gets: the order
    # is asked (here unreachable; the orders service refuses him), as if the key were unused.
    settings.ORDERS_SERVICE_URL = refused_url()
    replay = {"orderId": "11", "amount": "5.00", "method": "CARD", "idempotencyKey": "key-1"}
    unused = {**replay, "idempotencyKey": "never-sent"}
    assert error_codes(graphql(client, PAY, {"input": replay}, BOB)) == ["DEPENDENCY_UNAVAILABLE"]
    assert error_codes(graphql(client, PAY, {"input": unused}, BOB)) == ["DEPENDENCY_UNAVAILABLE"]
    assert graphql(client, PAY, {"input": replay}, ALICE)["data"]["payOrder"]["id"] == str(payments[1].pk)
    assert Payment.objects.count() == 2


def test_a_key_alice_used_pays_bobs_own_order(client, settings, payments):
    bobs_order = b'{"data": {"order": {"id": "12", "status": "PLACED", "total": "50.00", "currency": "EUR", "user": {"id": "2"}}}}'
    with answering_server(bobs_order) as url:
        settings.ORDERS_SERVICE_URL = url
        body = graphql(client, PAY, {"input": {"orderId": "12", "amount": "5.00", "method": "CARD", "idempotencyKey": "key-1"}}, BOB)
    paid = Payment.objects.get(pk=body["data"]["payOrder"]["id"])
    assert (paid.order_id, paid.user_id, paid.idempotency_key) == (12, 2, "key-1")
