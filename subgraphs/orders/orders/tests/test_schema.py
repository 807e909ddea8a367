import asyncio
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from strawberry.extensions import SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry_django.optimizer import DjangoOptimizerExtension

from federation_kit.demo import demo_order
from federation_kit.schema import ExtensionsRunner, ParsedOnce, QuerySetOptimizer, _HookWrappersMadeOnce
from federation_kit.testing import ENTITIES, error_codes, graphql, token_for, refused_url, representations, silent_server
from orders.models import Order, OrderItem

STAFF = token_for(1000, staff=True)


def gql(client, query, variables=None, token=STAFF):
    """As staff, who may see everything, unless a test says who is asking."""
    return graphql(client, query, variables, token)


def make_orders(count: int, users: int = 3, items: int = 2) -> list[Order]:
    orders = Order.objects.bulk_create(
        Order(user_id=1 + n % users, currency="EUR", total=Decimal("12.50") * items) for n in range(count)
    )
    OrderItem.objects.bulk_create(
        OrderItem(order=o, sku=f"SKU-{k}", name=f"Item {k}", quantity=1, unit_price=Decimal("12.50"))
        for o in orders
        for k in range(items)
    )
    return orders


ORDER_FIELDS = "id status total currency createdAt user { id } items { sku name quantity unitPrice }"


@pytest.mark.parametrize("pagination", ["", "(pagination: null)"])
def test_a_list_without_pagination_is_its_first_page_of_the_default_size(client, settings, pagination):
    default = settings.STRAWBERRY_DJANGO["PAGINATION_DEFAULT_LIMIT"]
    orders = make_orders(default + 1, items=1)
    body = gql(client, "{ orders%s { id } }" % pagination)
    assert [o["id"] for o in body["data"]["orders"]] == [str(o.pk) for o in orders[:default]]


@pytest.mark.parametrize("count", [1, 100, 500])
def test_orders_list_costs_two_queries_whatever_its_length(client, django_assert_num_queries, count):
    make_orders(count)
    with django_assert_num_queries(2):  # orders, then all their items
        body = gql(client, "{ orders(pagination: {limit: 500}) { %s } }" % ORDER_FIELDS)
    orders = body["data"]["orders"]
    assert len(orders) == count
    assert orders[0]["total"] == "25.00" and orders[0]["items"][0]["unitPrice"] == "12.50"
    assert orders[0]["createdAt"].endswith("+00:00")


class _Recorded(SchemaExtension):
    """Hooks of each kind Strawberry takes: generators (one swallowing what is thrown into it), a
    plain function, and none for validation."""

    def __init__(self, name, events):
        self.name, self.events = name, events

    def on_operation(self):
        self.events.append(f"{self.name} operation")
        try:
            yield
        except ValueError as error:
            self.events.append(f"{self.name} saw {error}")
            raise
        self.events.append(f"{self.name} operation done")

    def on_parse(self):
        self.events.append(f"{self.name} parse")

    def on_execute(self):
        self.events.append(f"{self.name} execute")
        try:
            yield
        except KeyError:
            self.events.append(f"{self.name} swallowed")
        self.events.append(f"{self.name} execute done")


class _Other(_Recorded):
    def on_execute(self):
        self.events.append(f"{self.name} execute")
        yield
        self.events.append(f"{self.name} execute done")


def _lifecycle(runner_class, failure):
    """A request's hooks through ``runner_class``, with ``failure`` raised while executing."""
    events = []
    runner = runner_class(execution_context=None, extensions=[_Recorded("a", events), _Other("b", events)])
    try:
        with runner.operation():
            with runner.parsing():
                events.append("parsing")
            with runner.validation():
                events.append("validating")
            with runner.executing():
                events.append("executing")
                if failure:
                    raise failure
            events.append("after executing")
    except Exception as error:
        events.append(f"raised {error!r}")
    return events


@pytest.fixture
def no_hooks_known():
    """Every hook's context manager made again, whichever tests ran before."""
    _HookWrappersMadeOnce._hooks.clear()


@pytest.mark.parametrize("failure", [None, KeyError("k"), ValueError("v")])
@pytest.mark.parametrize("request_count", [1, 2])
def test_extension_hooks_run_as_strawberrys_runner_runs_them(failure, request_count, no_hooks_known):
    # federation_kit.schema.ExtensionsRunner makes each hook's context manager once; a second
    # request reuses them, and must run them as the first did.
    expected = _lifecycle(SchemaExtensionsRunner, failure)
    for _ in range(request_count):
        assert _lifecycle(ExtensionsRunner, failure) == expected
    assert {"a operation", "b parse", "a execute", "b execute"} <= set(expected)


def test_a_hook_replaced_after_a_request_is_the_one_that_runs(monkeypatch, no_hooks_known):
    _lifecycle(ExtensionsRunner, None)

    def on_execute(self):
        self.events.append(f"{self.name} replaced")
        yield

    monkeypatch.setattr(_Other, "on_execute", on_execute)
    assert "b replaced" in _lifecycle(ExtensionsRunner, None) == _lifecycle(SchemaExtensionsRunner, None)


def test_async_hooks_run_as_strawberrys_runner_runs_them(no_hooks_known):
    class Async(SchemaExtension):
        def __init__(self, events):
            self.events = events

        async def on_operation(self):
            self.events.append("operation")
            yield
            self.events.append("operation done")

        async def on_execute(self):
            self.events.append("execute")

    async def lifecycle(runner_class):
        events = []
        runner = runner_class(execution_context=None, extensions=[Async(events)])
        async with runner.operation():
            async with runner.executing():
                events.append("executing")
        return events

    assert asyncio.run(lifecycle(ExtensionsRunner)) == asyncio.run(lifecycle(SchemaExtensionsRunner)) == [
        "operation", "execute", "executing", "operation done"
    ]


def test_the_services_schemas_run_their_extensions_with_it():
    from orders.schema import schema

    assert isinstance(schema.create_extensions_runner(None, []), ExtensionsRunner)


@pytest.fixture
def cold_caches():
    """Nothing parsed or optimized yet, whichever tests ran before."""
    ParsedOnce._documents.clear()
    QuerySetOptimizer.forget_hints()


def test_the_hints_of_a_query_sent_again_are_kept(client, monkeypatch, cold_caches):
    # federation_kit.schema.QuerySetOptimizer: strawberry-django works them out once, and the
    # second request selects what the first did.
    make_orders(3)
    worked_out = []
    original = DjangoOptimizerExtension.optimize
    monkeypatch.setattr(DjangoOptimizerExtension, "optimize", lambda *a, **k: worked_out.append(1) or original(*a, **k))
    query = "{ orders { id total user { id } } }"
    answers, sql = [], []
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            answers.append(gql(client, query))
        sql.append([q["sql"] for q in queries.captured_queries])
    assert len(worked_out) == 1
    assert sql[0] == sql[1] and len(sql[0]) == 1
    assert '"currency"' not in sql[0][0] and '"total"' in sql[0][0]
    assert answers[0] == answers[1] and len(answers[0]["data"]["orders"]) == 3


@pytest.mark.parametrize("first", [False, True])
def test_a_selection_that_reads_a_variable_loads_what_each_request_asks_for(client, django_assert_num_queries, cold_caches, first):
    # Hints kept from a request without total would make every later row load its total alone.
    make_orders(5)
    query = "query($total: Boolean!) { orders { id total @include(if: $total) items @skip(if: $total) { sku } } }"
    for with_total in (first, not first, first):
        with django_assert_num_queries(1 if with_total else 2):  # orders (then their items)
            orders = gql(client, query, {"total": with_total})["data"]["orders"]
        assert len(orders) == 5 and all(("total" in o) == with_total and ("items" in o) != with_total for o in orders)


def test_prefetched_lists_are_worked_out_for_each_request(client, django_assert_num_queries, cold_caches):
    # A prefetch holds a queryset made for its request's viewer: never kept.
    make_orders(5)
    for _ in range(2):
        with django_assert_num_queries(2):  # orders, then all their items
            orders = gql(client, "{ orders { id items { sku } } }")["data"]["orders"]
        assert len(orders) == 5 and all(len(o["items"]) == 2 for o in orders)


_SAME_AS_WORKED_OUT = {
    "a variable in a fragment": ("query($t: Boolean!) { orders { ...F } } fragment F on Order { id total @include(if: $t) }", [{"t": True}, {"t": False}, {"t": True}]),
    "a variable in a nested fragment": (
        "query($t: Boolean!) { orders { ...F } } fragment F on Order { id ...G } fragment G on Order { total @include(if: $t) currency }",
        [{"t": False}, {"t": True}],
    ),
    "a variable on an inline fragment": ("query($t: Boolean!) { orders { id ... @include(if: $t) { total } } }", [{"t": False}, {"t": True}]),
    "aliases and merged fields": ("{ a: orders { id } b: orders { total currency } c: orders { id } c: orders { status } }", [{}, {}]),
    "each operation of a document": ("query A { orders { id } } query B { orders { id total currency } }", [{"operationName": "A"}, {"operationName": "B"}, {"operationName": "A"}]),
}


@pytest.mark.parametrize("case", list(_SAME_AS_WORKED_OUT))
def test_kept_hints_answer_and_query_as_hints_worked_out_each_time(client, monkeypatch, cold_caches, case):
    make_orders(4)
    query, requests = _SAME_AS_WORKED_OUT[case]

    def send_all() -> list:
        sent = []
        for request in requests:
            variables = {k: v for k, v in request.items() if k != "operationName"}
            with CaptureQueriesContext(connection) as queries:
                answer = graphql(client, query, variables, STAFF, operation_name=request.get("operationName"))
            sent.append((answer, [q["sql"] for q in queries.captured_queries]))
        return sent

    kept = send_all()
    monkeypatch.setattr(QuerySetOptimizer, "optimize", DjangoOptimizerExtension.optimize)
    assert kept == send_all()
    assert all("errors" not in answer for answer, _ in kept)


def test_orders_filter_by_user_and_status(client):
    orders = make_orders(9)
    Order.objects.filter(pk=orders[0].pk).update(status=Order.Status.CANCELLED)
    body = gql(client, "{ orders(userId: 1) { id } cancelled: orders(status: CANCELLED) { id } }")
    assert [o["id"] for o in body["data"]["orders"]] == [str(o.pk) for o in orders[0::3]]
    assert body["data"]["cancelled"] == [{"id": str(orders[0].pk)}]


@pytest.mark.parametrize("count", [1, 100, 5000])
def test_order_entities_cost_one_query_per_type(client, django_assert_num_queries, count):
    orders = make_orders(count, items=1)
    ids = [o.pk for o in reversed(orders)]
    with django_assert_num_queries(1):
        body = gql(client, ENTITIES % "... on Order { id total user { id } }", {"r": representations("Order", ids)})
    assert [e["id"] for e in body["data"]["_entities"]] == [str(i) for i in ids]
    with django_assert_num_queries(2):  # orders, items
        body = gql(client, ENTITIES % "... on Order { id items { sku } }", {"r": representations("Order", ids)})
    assert all(e["items"] == [{"sku": "SKU-0"}] for e in body["data"]["_entities"])


def test_order_entities_keep_order_null_and_duplicates(client):
    a, b = make_orders(2)
    body = gql(client, ENTITIES % "... on Order { id }", {"r": representations("Order", [b.pk, 0, a.pk, b.pk])})
    assert body["data"]["_entities"] == [{"id": str(b.pk)}, None, {"id": str(a.pk)}, {"id": str(b.pk)}]


@pytest.mark.parametrize("users", [1, 100, 1000])
def test_user_orders_for_a_batch_of_users_cost_two_queries(client, django_assert_num_queries, users):
    make_orders(users * 3, users=users)
    query = ENTITIES % "... on User { id orders(pagination: {offset: 1, limit: 2}) { id items { sku } } }"
    reps = representations("User", list(range(users, 0, -1)) + [999999])
    with django_assert_num_queries(2):  # orders of every user (window-paginated), their items
        body = gql(client, query, {"r": reps})
    entities = body["data"]["_entities"]
    assert [e["id"] for e in entities] == [r["id"] for r in reps]
    first_user_orders = Order.objects.filter(user_id=users).values_list("pk", flat=True)
    assert [o["id"] for o in entities[0]["orders"]] == [str(pk) for pk in first_user_orders[1:3]]
    assert entities[-1]["orders"] == []


@pytest.mark.parametrize("count", [1, 100, 500])
def test_the_users_of_a_list_of_orders_get_their_orders_with_one_query(client, django_assert_num_queries, count):
    # Order.user makes a stub per row; the stubs of rows loaded together share one batch.
    make_orders(count, users=min(count, 40))
    with django_assert_num_queries(2):  # the orders, then all their users' orders
        body = gql(client, "{ orders(pagination: {limit: 500}) { id user { id orders(pagination: {limit: 3}) { id } } } }")
    orders = body["data"]["orders"]
    assert len(orders) == count
    for order in orders[:50]:
        first_three = Order.objects.filter(user_id=order["user"]["id"]).values_list("pk", flat=True)[:3]
        assert [o["id"] for o in order["user"]["orders"]] == [str(pk) for pk in first_three]


CREATE = """
mutation($input: CreateOrderInput!) {
  createOrder(input: $input) { id status total currency user { id } items { sku quantity unitPrice } }
}
"""


def order_input(**overrides):
    item = {"sku": "KB-001", "name": "Keyboard", "quantity": 2, "unitPrice": "89.90"}
    return {"userId": "1", "currency": "EUR", "items": [item], **overrides}


def item(**overrides):
    return {"sku": "KB-001", "name": "Keyboard", "quantity": 1, "unitPrice": "1.00", **overrides}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"currency": "XYZ"}, "currency"),
        ({"items": []}, "items"),
        ({"items": [item(quantity=0)]}, "items[0].quantity"),
        ({"items": [item(), item(quantity=-3)]}, "items[1].quantity"),
        ({"items": [item(unitPrice="-1.00")]}, "items[0].unitPrice"),
        ({"items": [item(unitPrice="0")]}, "items[0].unitPrice"),
        ({"items": [item(unitPrice="1.001")]}, "items[0].unitPrice"),
        ({"items": [item(unitPrice="NaN")]}, "items[0].unitPrice"),
        ({"items": [item(unitPrice="1e30")]}, "items[0].unitPrice"),
        # Each item within its limits, their sum more than an order's total can hold.
        ({"items": [item(quantity=10_000, unitPrice="1000000000.00")]}, "items"),
        ({"items": [item(sku="  ")]}, "items[0].sku"),
        ({"items": [item(sku="KB\x07")]}, "items[0].sku"),
        ({"items": [item(name="\u202egpj.exe")]}, "items[0].name"),
        ({"items": [item(name="Keyboard\ufff9ruby\ufffb")]}, "items[0].name"),
        ({"userId": "0"}, "userId"),
        # int() would take each of these: several spellings of one id.
        ({"userId": "+1"}, "userId"),
        ({"userId": " 1 "}, "userId"),
        ({"userId": "1_0"}, "userId"),
        ({"userId": "01"}, "userId"),
        ({"userId": "\u0661"}, "userId"),
    ],
)
def test_create_order_rejects_bad_input_without_asking_users_or_writing(client, settings, overrides, field):
    settings.USERS_SERVICE_URL = refused_url()
    body = gql(client, CREATE, {"input": order_input(**overrides)})
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == field
    assert not Order.objects.exists() and not OrderItem.objects.exists()


def test_unparseable_decimal_is_bad_user_input(client):
    body = gql(client, CREATE, {"input": order_input(items=[item(unitPrice="abc")])})
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert not Order.objects.exists()


def test_create_order_with_users_unreachable_is_dependency_unavailable(client, settings):
    settings.USERS_SERVICE_URL = refused_url()
    body = gql(client, CREATE, {"input": order_input()})
    assert error_codes(body) == ["DEPENDENCY_UNAVAILABLE"]
    assert body["errors"][0]["extensions"]["serviceName"] == "users"
    assert not Order.objects.exists()


def test_create_order_with_users_hanging_times_out(client, settings):
    settings.DEPENDENCY_TIMEOUT = 0.3
    with silent_server() as url:
        settings.USERS_SERVICE_URL = url
        body = gql(client, CREATE, {"input": order_input()})
    assert error_codes(body) == ["DEPENDENCY_UNAVAILABLE"]
    assert not Order.objects.exists()


CANCEL = "mutation($id: ID!) { cancelOrder(id: $id) { id status } }"


def test_cancel_unknown_or_already_cancelled_orders_without_asking_payments(client, settings):
    settings.PAYMENTS_SERVICE_URL = refused_url()
    (order,) = make_orders(1)
    Order.objects.filter(pk=order.pk).update(status=Order.Status.CANCELLED)
    body = gql(client, CANCEL, {"id": order.pk})
    assert body["data"]["cancelOrder"] == {"id": str(order.pk), "status": "CANCELLED"}
    assert error_codes(gql(client, CANCEL, {"id": 424242})) == ["ORDER_NOT_FOUND"]


def test_cancel_with_payments_unreachable_changes_nothing(client, settings):
    settings.PAYMENTS_SERVICE_URL = refused_url()
    (order,) = make_orders(1)
    body = gql(client, CANCEL, {"id": order.pk})
    assert error_codes(body) == ["DEPENDENCY_UNAVAILABLE"]
    order.refresh_from_db()
    assert order.status == Order.Status.PLACED


def test_cancel_with_payments_hanging_says_the_cancel_may_still_happen(client, settings):
    settings.DEPENDENCY_TIMEOUT = 0.3
    (order,) = make_orders(1)
    with silent_server() as url:  # payments may have closed the order and its answer be lost
        settings.PAYMENTS_SERVICE_URL = url
        body = gql(client, CANCEL, {"id": order.pk})
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "DEPENDENCY_UNAVAILABLE", "serviceName": "payments"}
    assert "nothing was written" not in error["message"] and "may still be cancelled" in error["message"]
    order.refresh_from_db()
    assert order.status == Order.Status.PLACED  # until payments.order_closed comes, or a retried cancel


def test_database_failure_is_masked(client):
    make_orders(1)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE orders_orderitem")  # rolled back with the test's transaction
    body = gql(client, "{ orders { id items { sku } } }")
    assert error_codes(body) == ["INTERNAL_SERVER_ERROR"]
    text = str(body)
    assert "orders_orderitem" not in text and "Traceback" not in text and "sqlite" not in text.lower()


def test_seed_demo_matches_the_shared_generator(client):
    call_command("seed_demo", orders=30, users=5)
    for i in (1, 15, 30):
        order, expected = Order.objects.get(pk=i), demo_order(i, 5)
        assert (order.user_id, order.currency, order.total) == (expected.user_id, expected.currency, expected.total)
        assert order.items.count() == len(expected.items)
    assert Order.objects.get(pk=15).status == Order.Status.CANCELLED
    call_command("seed_demo", orders=60, users=5)
    assert Order.objects.count() == 30


def test_the_columns_and_references_of_every_row_are_read_directly():
    from orders.schema import schema

    direct = schema.execution_context_class.direct_fields
    assert {("Order", "id"), ("Order", "total"), ("Order", "status"), ("Order", "createdAt"), ("Order", "user"), ("OrderItem", "sku")} <= direct.keys()
    assert ("Order", "items") not in direct and ("Query", "orders") not in direct  # lists, resolvers: the general way


def test_rows_and_entities_read_directly_answer_as_graphql_core_does(client, monkeypatch):
    from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

    from orders.schema import schema

    a, b = make_orders(2)
    query = f"""query($r: [_Any!]!) {{
        orders {{ __typename {ORDER_FIELDS} user {{ __typename id }} }}
        _entities(representations: $r) {{ __typename ... on Order {{ id total user {{ id }} }} ... on User {{ id orders {{ id }} }} }}
    }}"""
    found = representations("Order", [b.pk, 0, a.pk, b.pk]) + representations("User", [1, 99, 1])
    ours = gql(client, query, {"r": found})
    monkeypatch.setattr(schema, "execution_context_class", StrawberryGraphQLCoreExecutionContext)
    assert gql(client, query, {"r": found}) == ours
    assert [e and e["__typename"] for e in ours["data"]["_entities"]] == ["Order", None, "Order", "Order", "User", "User", "User"]


def test_fields_read_directly_answer_and_fail_as_graphql_core_does():
    """The same operation, executed by graphql-core's general path (Strawberry's execution context)
    and by ours: the same data, and the same errors at the same paths and locations."""
    import enum

    import strawberry
    from graphql import execute_sync, parse
    from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

    from federation_kit.schema import FederatedSchema

    @strawberry.enum
    class Colour(enum.Enum):
        RED = "red"

    @strawberry.type
    class Inner:
        n: int

    @strawberry.federation.type(keys=["id"])
    class Row:
        id: strawberry.ID
        name: str
        note: str | None
        count: int
        colour: Colour
        price: Decimal
        inner: Inner
        maybe_inner: Inner | None

    @strawberry.type
    class Query:
        @strawberry.field
        def rows(self) -> list[Row | None]:
            good = dict(
                id=strawberry.ID("1"), name="a", note=None, count=2, colour=Colour.RED, price=Decimal("1.50"),
                inner=Inner(n=1), maybe_inner=None,
            )
            return [
                Row(**good),
                Row(**{**good, "name": None}),  # null in a non-null field: the row becomes null
                Row(**{**good, "count": 2**40}),  # not an Int: the row becomes null
                Row(**{**good, "note": ValueError("no note")}),  # an error as a value: the field is null
                Row(**{**good, "colour": "blue"}),  # not a Colour
                Row(**{**good, "inner": None}),  # null in a non-null object: the row becomes null
                Row(**{**good, "maybe_inner": Inner(n=2**40)}),  # an error in a nullable object: it is null
            ]

    schema = FederatedSchema(query=Query)
    ours = schema.execution_context_class
    assert {("Row", "count"), ("Row", "inner"), ("Row", "maybeInner")} <= ours.direct_fields.keys()
    document = parse("{ rows { __typename kind: __typename id name note count colour price inner { n } maybeInner { n } } also: rows { id } }")
    ours_result = execute_sync(schema._schema, document, executor_class=ours)
    plain_result = execute_sync(schema._schema, document, executor_class=StrawberryGraphQLCoreExecutionContext)
    assert ours_result.data == plain_result.data
    assert ours_result.data["rows"][0] == {
        "__typename": "Row", "kind": "Row", "id": "1", "name": "a", "note": None, "count": 2, "colour": "RED", "price": "1.50",
        "inner": {"n": 1}, "maybeInner": None,
    }
    assert [row is None for row in ours_result.data["rows"]] == [False, True, True, False, True, True, False]
    assert ours_result.data["rows"][6]["maybeInner"] is None
    assert [e.formatted for e in ours_result.errors] == [e.formatted for e in plain_result.errors]
    assert [e.message for e in ours_result.errors] == [
        "Cannot return null for non-nullable field Row.name.",
        "Int cannot represent non 32-bit signed integer value: 1099511627776",
        "no note",
        "Enum 'Colour' cannot represent value: 'blue'",
        "Cannot return null for non-nullable field Row.inner.",
        "Int cannot represent non 32-bit signed integer value: 1099511627776",
    ]


def test_fields_read_directly_beside_async_fields_answer_as_graphql_core_does():
    """Async resolvers beside direct fields, and under an object read directly: awaited, and their
    errors located and propagated, as graphql-core does."""
    import asyncio
    import inspect

    import strawberry
    from graphql import execute, parse
    from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

    from federation_kit.schema import FederatedSchema

    @strawberry.type
    class Inner:
        n: int

        @strawberry.field
        async def later(self) -> int:
            if self.n < 0:
                raise ValueError(f"negative {self.n}")
            return self.n * 10

    @strawberry.federation.type(keys=["id"])
    class Row:
        id: strawberry.ID
        inner: Inner
        maybe_inner: Inner | None

        @strawberry.field
        async def label(self) -> str:
            return f"row {self.id}"

    @strawberry.type
    class Query:
        @strawberry.field
        def rows(self) -> list[Row | None]:
            return [
                Row(id=strawberry.ID("1"), inner=Inner(n=1), maybe_inner=Inner(n=-1)),  # maybeInner null
                Row(id=strawberry.ID("2"), inner=Inner(n=-2), maybe_inner=None),  # the row null
            ]

    schema = FederatedSchema(query=Query)
    ours = schema.execution_context_class
    assert {("Row", "id"), ("Row", "inner"), ("Inner", "n")} <= ours.direct_fields.keys()
    document = parse("{ rows { id label inner { n later } maybeInner { n later } } }")

    async def run(context_class):
        result = execute(schema._schema, document, executor_class=context_class)
        return await result if inspect.isawaitable(result) else result

    ours_result = asyncio.run(run(ours))
    plain_result = asyncio.run(run(StrawberryGraphQLCoreExecutionContext))
    assert ours_result.data == plain_result.data == {
        "rows": [{"id": "1", "label": "row 1", "inner": {"n": 1, "later": 10}, "maybeInner": None}, None]
    }
    assert [e.formatted for e in ours_result.errors] == [e.formatted for e in plain_result.errors]
    assert sorted(e.message for e in ours_result.errors) == ["negative -1", "negative -2"]


def test_with_middleware_every_field_goes_graphql_cores_way():
    """Middleware wraps every resolver, __typename's too: nothing is read directly then, not even
    a mutation's root fields, which graphql-core executes one at a time."""
    import strawberry
    from graphql import execute_sync, parse
    from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

    from federation_kit.schema import FederatedSchema

    @strawberry.federation.type(keys=["id"])
    class Row:
        id: strawberry.ID

    @strawberry.type
    class Query:
        row: Row | None = None

    @strawberry.type
    class Mutation:
        @strawberry.mutation
        def touch(self) -> bool:
            return True

    def shout(next_, root, info, **kwargs):
        value = next_(root, info, **kwargs)
        return value.upper() if isinstance(value, str) else value

    schema = FederatedSchema(query=Query, mutation=Mutation)
    document = parse("mutation { __typename touch }")
    results = [
        execute_sync(schema._schema, document, root_value=Query(), middleware=[shout], executor_class=context)
        for context in (schema.execution_context_class, StrawberryGraphQLCoreExecutionContext)
    ]
    assert results[0].data == results[1].data == {"__typename": "MUTATION", "touch": True}


def test_a_schema_this_service_would_serve_wrongly_does_not_build():
    from typing import Annotated

    import strawberry
    import strawberry_django
    from django.core.exceptions import ImproperlyConfigured

    from federation_kit.pagination import PageSizeLimit, page_list_size
    from federation_kit.schema import FederatedSchema

    @strawberry_django.federation.type(OrderItem, keys=["sku"])
    class Item:
        sku: strawberry.auto

    @strawberry_django.federation.type(OrderItem, keys=[strawberry.federation.schema_directives.Key(fields="sku", resolvable=False)])
    class ItemStub:  # not resolved by _entities: its key may be anything
        sku: strawberry.auto

    @strawberry.type
    class Query:
        items: list[Item] = strawberry_django.field()
        maybe_items: list[Item | None] | None = strawberry_django.field()
        lazy_orders: list[Annotated["Order", strawberry.lazy("orders.types")]] | None = strawberry_django.field()
        paged: list[Item] = strawberry_django.field(pagination=True)
        limited: list[Item] = strawberry_django.field(pagination=True, extensions=[PageSizeLimit()])
        stubs: list[ItemStub] = strawberry_django.field(pagination=True, extensions=[PageSizeLimit()], directives=[page_list_size()])

        @strawberry_django.field
        def resolved(self) -> list[Item]:
            return []

    with pytest.raises(ImproperlyConfigured) as refused:
        FederatedSchema(query=Query)
    first, *problems = str(refused.value).splitlines()
    assert first == "This schema would answer wrongly:"
    fix = "strawberry_django.field(pagination=True, extensions=[PageSizeLimit()], directives=[page_list_size()])"
    assert sorted(problems) == [
        '- Item: @key(fields: "sku"); entities here are keyed by their integer id only',
        f"- Query.items: a list of rows without pagination ({fix})",
        f"- Query.lazyOrders: a list of rows without pagination ({fix})",
        "- Query.limited: takes pagination without directives=[page_list_size()]",
        f"- Query.maybeItems: a list of rows without pagination ({fix})",
        "- Query.paged: takes pagination without directives=[page_list_size()]",
        "- Query.paged: takes pagination without extensions=[PageSizeLimit()]",
        "- Query.resolved: a list of rows without pagination (a resolver's parameter pagination: OffsetPaginationInput | None = None, extensions=[PageSizeLimit()] and directives=[page_list_size()])",
    ]
