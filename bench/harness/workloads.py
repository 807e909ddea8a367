"""What each contender is asked, and its answers in one shape so that they can be compared."""

import asyncio
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from federation_kit.base_settings import MAX_PAGE_SIZE
from harness.client import HttpClient, Url
from harness.load import Request

Urls = Mapping[str, str]  # what a running system serves, by role (see harness.systems)

ORDER_FIELDS = "id total currency user { id username } payments { amount status } paymentStatus"
# What the router asks the orders subgraph for that query (from its debug log).
PLANNED_ORDER_FIELDS = "__typename id total currency user { __typename id }"
ENTITIES = "query($representations: [_Any!]!) { _entities(representations: $representations) { %s } }"
USERNAMES = ENTITIES % "... on User { username }"
PAYMENTS = ENTITIES % "... on Order { paymentStatus payments { amount status } }"
CREATE_ORDER = "mutation($input: CreateOrderInput!) { createOrder(input: $input) { id total currency } }"
NEW_ORDER = {
    "userId": "7",
    "currency": "EUR",
    "items": [{"sku": "KB-001", "name": "Mechanical keyboard", "quantity": 2, "unitPrice": "89.90"}],
}


class WrongAnswer(Exception):
    pass


def orders_query(n: int, fields: str = ORDER_FIELDS) -> str:
    """The first ``n`` orders. The product serves at most MAX_PAGE_SIZE per page (and fails
    beyond), so a larger ``n`` is asked as consecutive pages, aliased, in the same query."""
    if n <= MAX_PAGE_SIZE:
        return "{ orders(pagination: {limit: %d}) { %s } }" % (n, fields)
    pages = [
        "page%d: orders(pagination: {limit: %d, offset: %d}) { %s }" % (k, min(MAX_PAGE_SIZE, n - offset), offset, fields)
        for k, offset in enumerate(range(0, n, MAX_PAGE_SIZE))
    ]
    return "{ %s }" % " ".join(pages)


def _json(query: str, variables: dict[str, Any] | None = None) -> bytes:
    return json.dumps({"query": query, "variables": variables or {}}).encode()


def _checked(answer: bytes) -> bytes:
    """A GraphQL answer, unless it reports errors (the substring test keeps the client cheap)."""
    if b'"errors"' in answer:
        raise WrongAnswer(answer[:500].decode(errors="replace"))
    return answer


def graphql(url: str, query: str, variables: dict[str, Any] | None = None) -> Request:
    target, body = Url.parse(url), _json(query, variables)

    async def request(client: HttpClient) -> bytes:
        return _checked(await client.post_json(target, body))

    return request


def get(url: str) -> Request:
    target = Url.parse(url)
    return lambda client: client.get(target)


def post(url: str, payload: Any) -> Request:
    target, body = Url.parse(url), json.dumps(payload).encode()
    return lambda client: client.post_json(target, body)


def planned_orders(urls: Urls, n: int) -> Request:
    """The router's query plan for the orders query, executed by the client itself: the
    orders subgraph first, then the users and payments subgraphs at once with the entities
    it named (users once each), then the answers merged as the router does."""
    orders_url, users_url, payments_url = (Url.parse(urls[name]) for name in ("orders", "users", "payments"))
    first = _json(orders_query(n, PLANNED_ORDER_FIELDS))

    async def request(client: HttpClient) -> dict[str, Any]:
        data = json.loads(_checked(await client.post_json(orders_url, first)))["data"]
        orders = [order for page in data.values() for order in page]
        users = list({o["user"]["id"]: {"__typename": "User", "id": o["user"]["id"]} for o in orders}.values())
        of_orders = [{"__typename": "Order", "total": o["total"], "id": o["id"]} for o in orders]
        usernames, payments = await asyncio.gather(
            client.post_json(users_url, _json(USERNAMES, {"representations": users})),
            client.post_json(payments_url, _json(PAYMENTS, {"representations": of_orders})),
        )
        username_of = {
            user["id"]: found["username"]
            for user, found in zip(users, json.loads(_checked(usernames))["data"]["_entities"])
        }
        for order, paid in zip(orders, json.loads(_checked(payments))["data"]["_entities"]):
            order["user"]["username"] = username_of[order["user"]["id"]]
            order.update(paid)
        return {"data": data}

    return request


@dataclass(frozen=True)
class Contender:
    name: str
    system: str  # the harness.systems system it runs on
    what: str  # one line for the report
    orders: Callable[[Urls, int], Request]
    entities: Callable[[Urls], Request] | None = None
    create_order: Callable[[Urls], Request] | None = None
    calls_per_order: bool = False  # makes HTTP calls for each order: given fewer requests


def _users_batch(urls: Urls, size: int) -> Request:
    representations = [{"__typename": "User", "id": str(i)} for i in range(1, size + 1)]
    return graphql(urls["users"], USERNAMES, {"representations": representations})


ENTITY_BATCH = 1000

CONTENDERS = (
    Contender(
        "ours",
        "product",
        "the product: Hive Gateway router in front of the three Strawberry subgraphs",
        orders=lambda urls, n: graphql(urls["router"], orders_query(n)),
        entities=lambda urls: _users_batch(urls, ENTITY_BATCH),
        create_order=lambda urls: graphql(urls["router"], CREATE_ORDER, {"input": NEW_ORDER}),
    ),
    Contender(
        "ours, no router",
        "product",
        "the router's query plan run by the client straight against the product's subgraphs",
        orders=planned_orders,
    ),
    Contender(
        "monolith",
        "monolith",
        "the same models in one Django project and database, one Strawberry endpoint",
        orders=lambda urls, n: graphql(urls["graphql"], orders_query(n)),
        create_order=lambda urls: graphql(urls["graphql"], CREATE_ORDER, {"input": NEW_ORDER}),
    ),
    Contender(
        "REST, old way",
        "rest",
        "Django JSON endpoints; orders fetches each order's user and payments over HTTP",
        orders=lambda urls, n: get(f"{urls['orders']}?limit={n}"),
        create_order=lambda urls: post(urls["orders"], NEW_ORDER),
        calls_per_order=True,
    ),
    Contender(
        "graphene",
        "graphene",
        "the three subgraphs in graphene-django + graphene-federation, behind the same router",
        orders=lambda urls, n: graphql(urls["router"], orders_query(n)),
        entities=lambda urls: _users_batch(urls, ENTITY_BATCH),
        create_order=lambda urls: graphql(urls["router"], CREATE_ORDER, {"input": NEW_ORDER}),
    ),
    Contender(
        "raw SQL floor",
        "monolith",
        "one SQL query with joins serialised to JSON in a plain Django view, no GraphQL",
        orders=lambda urls, n: get(f"{urls['raw']}?limit={n}"),
        create_order=lambda urls: post(urls["raw"], NEW_ORDER),
    ),
)


def _decoded(answer: Any) -> Any:
    return json.loads(answer) if isinstance(answer, bytes) else answer


def orders_in(answer: Any) -> list[dict[str, Any]]:
    """The orders of a GraphQL answer (all pages, in order) or of a JSON list, in one shape."""
    decoded = _decoded(answer)
    pages = decoded["data"].values() if isinstance(decoded, dict) else [decoded]
    return [
        {
            "id": o["id"],
            "total": o["total"],
            "currency": o["currency"],
            "user": {"id": o["user"]["id"], "username": o["user"]["username"]},
            "payments": [{"amount": p["amount"], "status": p["status"]} for p in o["payments"]],
            "paymentStatus": o["paymentStatus"],
        }
        for page in pages
        for o in page
    ]


def entities_in(answer: Any) -> list[dict[str, Any]]:
    return _decoded(answer)["data"]["_entities"]


def fingerprint(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:16]
