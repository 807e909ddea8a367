"""What each contender is asked, and its answers in one shape so that they can be compared."""

import asyncio
import dataclasses
import hashlib
import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from federation_kit.base_settings import MAX_PAGE_SIZE
from federation_kit.signature import HEADER as SIGNATURE_HEADER, sign
from harness.client import HttpClient, Url
from harness.load import Request

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


@dataclass(frozen=True)
class Target:
    """Where a running system answers, and for the product how to be let in."""

    urls: Mapping[str, str]  # by role: "router", "users", "graphql", ...
    token: str | None = None  # a staff user's: the product shows an order to its owner and to staff only
    hmac_secret: str | None = None  # the router's: the product's subgraphs answer signed requests only

    def headers(self) -> dict[str, str]:
        """A request's headers: the token, and a trace context of its own.

        Hive Gateway can share one subgraph call among identical queries in flight with the
        same headers (on by default; the product turns it off). The load generator's workers all
        send the same query as the same user, which real traffic seldom does: with that sharing
        on, it cut the subgraphs' work about 3× at 4 connections, a saving the monolith and REST
        contenders do not get. A ``traceparent`` of its own, as a traced client sends, makes every
        request count in full whatever the router's setting.
        """
        headers = {"traceparent": f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def body(self, query: str, variables: dict[str, Any] | None = None) -> bytes:
        return json.dumps({"query": query, "variables": variables or {}}).encode()

    def signature(self, body: bytes) -> dict[str, str]:
        """The header that signs ``body`` as the router signs a subgraph request, when there is a secret."""
        return {SIGNATURE_HEADER: sign(self.hmac_secret, body)} if self.hmac_secret else {}


def with_ours_token(graphene: Target, product: Target) -> Target:
    """Graphene's target, sent the token ours is sent: the same router then verifies the same token
    for both, rather than skip that work for graphene (the bare graphene's subgraphs ignore it, the
    guarded ones check it again as ours do)."""
    return dataclasses.replace(graphene, token=product.token)


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


def _checked(answer: bytes) -> bytes:
    """A GraphQL answer, unless it reports errors (the substring test keeps the client cheap)."""
    if b'"errors"' in answer:
        raise WrongAnswer(answer[:500].decode(errors="replace"))
    return answer


def graphql(target: Target, role: str, query: str, variables: dict[str, Any] | None = None) -> Request:
    url, body = Url.parse(target.urls[role]), target.body(query, variables)
    signature = target.signature(body)

    async def request(client: HttpClient) -> bytes:
        return _checked(await client.post_json(url, body, {**target.headers(), **signature}))

    return request


def get(url: str) -> Request:
    parsed = Url.parse(url)
    return lambda client: client.get(parsed)


def post(url: str, payload: Any) -> Request:
    parsed, body = Url.parse(url), json.dumps(payload).encode()
    return lambda client: client.post_json(parsed, body)


def planned_orders(target: Target, n: int) -> Request:
    """The router's query plan for the orders query, executed by the client itself: the orders
    subgraph first, then the users and payments subgraphs at once with the entities it named
    (users once each), signed and authorised as the router does.

    The first request also reads the answers and merges them as the router does (the answer
    checked against ours), and keeps the bodies of the entity calls. Every later one, the timed
    ones, makes the same three calls and only checks them for errors: the router's overhead is
    then all it does besides waiting for the subgraphs (reading their answers, building the
    representations, signing, merging, its own HTTP), not less by what this client would do of
    it in Python."""
    orders_url, users_url, payments_url = (Url.parse(target.urls[name]) for name in ("orders", "users", "payments"))
    first = target.body(orders_query(n, PLANNED_ORDER_FIELDS))
    first_signature = target.signature(first)
    entity_calls: list[tuple[Url, bytes, dict[str, str]]] = []

    async def call(client: HttpClient, url: Url, body: bytes, headers: dict[str, str], signature: dict[str, str]) -> bytes:
        return _checked(await client.post_json(url, body, {**headers, **signature}))

    async def request(client: HttpClient) -> Any:
        headers = target.headers()  # one trace for the request's three calls, as the router sends them
        orders_answer = await call(client, orders_url, first, headers, first_signature)
        if entity_calls:
            await asyncio.gather(*(call(client, url, body, headers, signature) for url, body, signature in entity_calls))
            return orders_answer
        data = json.loads(orders_answer)["data"]
        orders = [order for page in data.values() for order in page]
        users = list({o["user"]["id"]: {"__typename": "User", "id": o["user"]["id"]} for o in orders}.values())
        of_orders = [{"__typename": "Order", "total": o["total"], "id": o["id"]} for o in orders]
        users_body = target.body(USERNAMES, {"representations": users})
        payments_body = target.body(PAYMENTS, {"representations": of_orders})
        usernames, payments = await asyncio.gather(
            call(client, users_url, users_body, headers, target.signature(users_body)),
            call(client, payments_url, payments_body, headers, target.signature(payments_body)),
        )
        username_of = {user["id"]: found["username"] for user, found in zip(users, json.loads(usernames)["data"]["_entities"])}
        for order, paid in zip(orders, json.loads(payments)["data"]["_entities"]):
            order["user"]["username"] = username_of[order["user"]["id"]]
            order.update(paid)
        entity_calls.extend(
            (url, body, target.signature(body)) for url, body in ((users_url, users_body), (payments_url, payments_body))
        )
        return {"data": data}

    return request


@dataclass(frozen=True)
class Contender:
    name: str
    system: str  # the harness.systems system it runs on
    what: str  # one line for the report
    orders: Callable[[Target, int], Request]
    entities: Callable[[Target], Request] | None = None
    create_order: Callable[[Target], Request] | None = None
    calls_per_order: bool = False  # makes HTTP calls for each order: given fewer requests
    concurrency: int | None = None  # None: the run's


def _users_batch(target: Target, size: int) -> Request:
    """``_entities`` for users 1..size, straight to the users subgraph."""
    representations = [{"__typename": "User", "id": str(i)} for i in range(1, size + 1)]
    return graphql(target, "users", USERNAMES, {"representations": representations})


ENTITY_BATCH = 1000

def _through_router(target: Target, n: int) -> Request:
    return graphql(target, "router", orders_query(n))


def _create_through_router(target: Target) -> Request:
    return graphql(target, "router", CREATE_ORDER, {"input": NEW_ORDER})


# Latency through the router and without it is compared on one connection: under load the
# difference would mostly measure the queue, and the client's share of the two cores.
UNLOADED = 1

_GRAPHENE = Contender(
    "graphene",
    "graphene",
    "the three subgraphs in graphene-django + graphene-federation, behind the same router,"
    " without the product's own middleware (router signature and token checks, access log, metrics)",
    orders=_through_router,
    entities=lambda target: _users_batch(target, ENTITY_BATCH),
    create_order=_create_through_router,
)

CONTENDERS = (
    Contender(
        "ours",
        "product",
        "the product: Hive Gateway router in front of the three Strawberry subgraphs",
        orders=_through_router,
        entities=lambda target: _users_batch(target, ENTITY_BATCH),
        create_order=_create_through_router,
    ),
    Contender(
        "ours, 1 connection",
        "product",
        "ours, one request at a time: the reference for the router's overhead",
        orders=_through_router,
        concurrency=UNLOADED,
    ),
    Contender(
        "ours, no router",
        "product",
        "the router's query plan run by the client straight against the product's subgraphs, one request at a time",
        orders=planned_orders,
        concurrency=UNLOADED,
    ),
    Contender(
        "monolith",
        "monolith",
        "the same models in one Django project and database, one Strawberry endpoint",
        orders=lambda target, n: graphql(target, "graphql", orders_query(n)),
        create_order=lambda target: graphql(target, "graphql", CREATE_ORDER, {"input": NEW_ORDER}),
    ),
    Contender(
        "raw SQL floor",
        "monolith",
        "one SQL query with joins serialised to JSON in a plain Django view, no GraphQL",
        orders=lambda target, n: get(f"{target.urls['raw']}?limit={n}"),
        create_order=lambda target: post(target.urls["raw"], NEW_ORDER),
    ),
    _GRAPHENE,
    # No createOrder: graphene's orders subgraph asks the users subgraph unsigned, which the guard refuses.
    dataclasses.replace(
        _GRAPHENE,
        name="graphene, guarded",
        system="graphene-guarded",
        what="graphene with the product's own middleware, as ours runs it: like for like with ours",
        create_order=None,
    ),
    Contender(
        "REST, old way",
        "rest",
        "Django JSON endpoints; orders fetches each order's user and payments over HTTP",
        orders=lambda target, n: get(f"{target.urls['orders']}?limit={n}"),
        create_order=lambda target: post(target.urls["orders"], NEW_ORDER),
        calls_per_order=True,
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
