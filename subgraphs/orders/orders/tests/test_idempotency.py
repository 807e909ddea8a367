"""createOrder's idempotencyKey: the same key sent again by the same customer returns the order
already placed, without asking the users service again; with other contents it is refused. A key
is the customer's own: another customer's identical key is another order."""

import itertools
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from federation_kit.testing import answering_server, error_codes, graphql, refused_url, token_for
from orders import services
from orders.models import Order, OrderItem

CREATE = """
mutation($input: CreateOrderInput!) {
  createOrder(input: $input) { id currency total idempotencyKey user { id } items { sku quantity unitPrice } }
}
"""
ALICE, BOB, STAFF = token_for(1), token_for(2), token_for(3, staff=True)


def order_input(user_id="1", key="order-attempt-1", **overrides):
    items = [{"sku": "KB-001", "name": "Keyboard", "quantity": 2, "unitPrice": "89.90"}]
    return {"userId": user_id, "currency": "EUR", "items": items, "idempotencyKey": key, **overrides}


@pytest.fixture
def users_requests(settings) -> list[bytes]:
    """The users service, answering that the user exists; the list holds what it was asked."""
    received: list[bytes] = []
    with answering_server(b'{"data": {"user": {"id": "1"}}}', received=received) as url:
        settings.USERS_SERVICE_URL = url
        yield received


def create(client, create_input, token=ALICE) -> dict:
    return graphql(client, CREATE, {"input": create_input}, token)


def test_the_same_key_twice_places_one_order_and_asks_the_users_service_once(client, users_requests):
    first = create(client, order_input())["data"]["createOrder"]
    again = create(client, order_input())["data"]["createOrder"]
    assert again == first
    assert first["idempotencyKey"] == "order-attempt-1"
    assert Order.objects.count() == 1 and OrderItem.objects.count() == 1
    assert len(users_requests) == 1


def test_the_same_contents_spelled_otherwise_are_the_same_order(client, users_requests):
    first = create(client, order_input())["data"]["createOrder"]
    items = [{"sku": " KB-001 ", "name": "Keyboard ", "quantity": 2, "unitPrice": "89.9"}]
    again = create(client, order_input(currency=" eur", items=items))["data"]["createOrder"]
    assert again["id"] == first["id"]
    assert Order.objects.count() == 1


@pytest.mark.parametrize(
    "overrides",
    [
        {"currency": "USD"},
        {"items": [{"sku": "KB-001", "name": "Keyboard", "quantity": 3, "unitPrice": "89.90"}]},
        {"items": [{"sku": "KB-002", "name": "Keyboard", "quantity": 2, "unitPrice": "89.90"}]},
        {"items": [{"sku": "KB-001", "name": "Keyboard", "quantity": 2, "unitPrice": "89.91"}]},
        {
            "items": [
                {"sku": "KB-001", "name": "Keyboard", "quantity": 2, "unitPrice": "89.90"},
                {"sku": "CB-005", "name": "Cable", "quantity": 1, "unitPrice": "9.99"},
            ]
        },
    ],
)
def test_the_same_key_for_a_different_order_is_refused_and_writes_nothing(client, users_requests, overrides):
    first = create(client, order_input())["data"]["createOrder"]
    body = create(client, order_input(**overrides))
    assert error_codes(body) == ["IDEMPOTENCY_KEY_REUSED"]
    assert list(Order.objects.values_list("pk", flat=True)) == [int(first["id"])]
    assert list(OrderItem.objects.values_list("sku", "quantity", "unit_price")) == [("KB-001", 2, Decimal("89.90"))]
    assert len(users_requests) == 1


def test_another_customers_identical_key_is_another_order(client, users_requests):
    alices = create(client, order_input("1"), ALICE)["data"]["createOrder"]
    bobs = create(client, order_input("2", currency="USD"), BOB)["data"]["createOrder"]
    assert bobs["id"] != alices["id"]
    assert (bobs["user"], bobs["currency"]) == ({"id": "2"}, "USD")
    assert Order.objects.filter(idempotency_key="order-attempt-1").count() == 2


def test_staff_ordering_for_a_customer_shares_the_customers_keys(client, users_requests):
    # The key belongs to the order's customer, whoever sends it.
    alices = create(client, order_input("1"), ALICE)["data"]["createOrder"]
    assert create(client, order_input("1"), STAFF)["data"]["createOrder"]["id"] == alices["id"]
    assert Order.objects.count() == 1


@pytest.mark.parametrize("key", [None, "absent"])
def test_without_a_key_every_create_is_a_new_order(client, users_requests, key):
    variables = order_input(key=key)
    if key == "absent":
        del variables["idempotencyKey"]
    ids = {create(client, variables)["data"]["createOrder"]["id"] for _ in range(2)}
    assert len(ids) == 2
    assert not Order.objects.filter(idempotency_key__isnull=False).exists()
    assert len(users_requests) == 2


@pytest.mark.parametrize("key", ["", "k" * 101])
def test_a_key_of_the_wrong_length_is_bad_user_input(client, settings, key):
    settings.USERS_SERVICE_URL = refused_url()  # refused before the users service is asked
    body = create(client, order_input(key=key))
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == "idempotencyKey"
    assert not Order.objects.exists()


def test_a_key_of_a_hundred_characters_is_taken(client, users_requests):
    assert create(client, order_input(key="k" * 100))["data"]["createOrder"]["idempotencyKey"] == "k" * 100


def rival_commits_between_the_checks_and_the_insert(monkeypatch, rival_currency: str) -> list[Order]:
    """Another request with the same key commits its order after this one's checks found none,
    before its insert: as it can on PostgreSQL (SQLite runs one writing transaction at a time,
    so there the check inside the transaction already sees it)."""
    replay, calls, rivals = services._replay, itertools.count(1), []

    def replay_then_rival(user_id, idempotency_key, currency, lines):
        call = next(calls)
        if call == 2:  # the check inside the transaction: made before the rival's commit
            return None
        found = replay(user_id, idempotency_key, currency, lines)
        if call == 1:  # the check before the users service is asked
            rival = Order.objects.create(
                user_id=user_id, currency=rival_currency, total=Decimal("179.80"), idempotency_key=idempotency_key
            )
            OrderItem.objects.create(order=rival, sku="KB-001", name="Keyboard", quantity=2, unit_price=Decimal("89.90"))
            rivals.append(rival)
        return found

    monkeypatch.setattr(services, "_replay", replay_then_rival)
    return rivals


def test_a_create_that_loses_the_race_to_the_insert_answers_the_rivals_order(client, users_requests, monkeypatch):
    rivals = rival_commits_between_the_checks_and_the_insert(monkeypatch, rival_currency="EUR")
    body = create(client, order_input())
    assert body["data"]["createOrder"]["id"] == str(rivals[0].pk)
    assert list(Order.objects.values_list("pk", flat=True)) == [rivals[0].pk]
    assert OrderItem.objects.count() == 1


def test_a_create_that_loses_the_race_to_a_different_order_with_its_key_is_refused(client, users_requests, monkeypatch):
    rivals = rival_commits_between_the_checks_and_the_insert(monkeypatch, rival_currency="USD")
    body = create(client, order_input())
    assert error_codes(body) == ["IDEMPOTENCY_KEY_REUSED"]
    assert list(Order.objects.values_list("pk", flat=True)) == [rivals[0].pk]
    assert OrderItem.objects.count() == 1


def test_the_database_refuses_a_customers_key_twice_and_only_that():
    Order.objects.create(user_id=1, currency="EUR", total=Decimal("1.00"), idempotency_key="k")
    Order.objects.create(user_id=2, currency="EUR", total=Decimal("1.00"), idempotency_key="k")
    for _ in range(2):
        Order.objects.create(user_id=1, currency="EUR", total=Decimal("1.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.create(user_id=1, currency="EUR", total=Decimal("1.00"), idempotency_key="k")
