"""What the orders service makes of the users service's answers to createOrder's check: anything
but a clean GraphQL answer is DEPENDENCY_UNAVAILABLE, and nothing is written."""

import pytest

from federation_kit.testing import answering_server, error_codes, graphql, token_for
from orders.models import Order
from orders.services import MAX_TOTAL

CREATE = "mutation($input: CreateOrderInput!) { createOrder(input: $input) { id } }"
INPUT = {"userId": "1", "currency": "EUR", "items": [{"sku": "A-1", "name": "A", "quantity": 1, "unitPrice": "1.00"}]}


REFUSED_FOR_THE_CALLER = b'{"data": null, "errors": [{"message": "Log in", "extensions": {"code": "UNAUTHENTICATED"}}]}'
SIGNATURE_REFUSED = b'{"data": null, "errors": [{"message": "Bad signature", "extensions": {"code": "ROUTER_SIGNATURE_INVALID"}}]}'


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        *[
            (not_graphql, "DEPENDENCY_UNAVAILABLE")
            for not_graphql in (
                b"[]",
                b'"data"',
                b'{"errors": ["the user is gone"]}',
                b'{"errors": [{"message": "x", "extensions": "FORBIDDEN"}]}',
                b'{"data": {"user": {"id": "1"}}, "errors": {"code": "FORBIDDEN"}}',
                b'{"data": ["user"]}',
                b"not json",
            )
        ],
        # A refusal the users service makes for the caller is the caller's; one of this service's
        # signature (another ROUTER_HMAC_SECRET) is not.
        (REFUSED_FOR_THE_CALLER, "UNAUTHENTICATED"),
        (SIGNATURE_REFUSED, "DEPENDENCY_UNAVAILABLE"),
    ],
)
def test_anything_but_a_clean_answer_writes_nothing(client, settings, answer, code):
    with answering_server(answer) as url:
        settings.USERS_SERVICE_URL = url
        body = graphql(client, CREATE, {"input": INPUT}, token_for(1))
    assert error_codes(body) == [code]
    assert not Order.objects.exists()


def test_a_clean_answer_lets_the_order_be_written(client, settings):
    with answering_server(b'{"data": {"user": {"id": "1"}}}') as url:
        settings.USERS_SERVICE_URL = url
        body = graphql(client, CREATE, {"input": INPUT}, token_for(1))
    assert Order.objects.get(pk=body["data"]["createOrder"]["id"]).user_id == 1


def test_the_largest_total_an_order_can_hold_is_taken_and_read_back(client, settings):
    # 99,999,999.99 x 10,000 + 99.99: exactly MAX_TOTAL, 999,999,999,999.99.
    items = [
        {"sku": "A-1", "name": "A", "quantity": 10_000, "unitPrice": "99999999.99"},
        {"sku": "B-1", "name": "B", "quantity": 1, "unitPrice": "99.99"},
    ]
    with answering_server(b'{"data": {"user": {"id": "1"}}}') as url:
        settings.USERS_SERVICE_URL = url
        body = graphql(client, CREATE, {"input": {**INPUT, "items": items}}, token_for(1))
    order_id = body["data"]["createOrder"]["id"]
    read = graphql(client, "query($id: ID!) { order(id: $id) { total } }", {"id": order_id}, token_for(1))
    assert read["data"]["order"]["total"] == str(MAX_TOTAL)


def test_money_is_answered_in_cents_however_the_client_wrote_it(client, settings):
    items = [{"sku": "A-1", "name": "A", "quantity": 2, "unitPrice": "1.50000"}]
    query = "mutation($input: CreateOrderInput!) { createOrder(input: $input) { id total items { unitPrice } } }"
    with answering_server(b'{"data": {"user": {"id": "1"}}}') as url:
        settings.USERS_SERVICE_URL = url
        created = graphql(client, query, {"input": {**INPUT, "items": items}}, token_for(1))["data"]["createOrder"]
    read = graphql(client, "query($id: ID!) { order(id: $id) { total items { unitPrice } } }", {"id": created["id"]}, token_for(1))
    assert {k: v for k, v in created.items() if k != "id"} == read["data"]["order"] == {"total": "3.00", "items": [{"unitPrice": "1.50"}]}
