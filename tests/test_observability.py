"""One client request followed across the router and the three services, and what /metrics shows.

The client sends a W3C ``traceparent`` (the router forwards it, `headers.propagate`) and the
router gives the request an id (``X-Request-ID``: the client's, or a new one) that it sends to
every subgraph and answers to the client. Each service logs JSON lines carrying both, so one
grep of the logs finds every line of that request, in every service.
"""

import json
import logging
import re
import secrets
import time

import httpx
import pytest
import yaml
from conftest import SERVICES
from faults import DelayProxy
from prometheus_client.parser import text_string_to_metric_families
from stack import READY_TIMEOUT, ROUTER_COMMAND, SUPERGRAPH_DIR, Process, free_port, router_env

from federation_kit.observability import JsonFormatter, RequestContext, operation_label

# One query answered by all three services: orders, then User from users and Order from payments.
PROBE = """query ObservabilityProbe($limit: Int!) {
  orders(pagination: {limit: $limit}) { id user { username } payments { amount } paymentStatus }
}"""
# How each service labels its part of PROBE: the router sends them anonymous operations.
SUBGRAPH_OPERATIONS = {"orders": "orders", "users": "_entities:User", "payments": "_entities:Order"}


def probe(router, **headers) -> httpx.Response:
    response = router.http.post(
        router.url, json={"query": PROBE, "variables": {"limit": 3}, "operationName": "ObservabilityProbe"}, headers=headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body and len(body["data"]["orders"]) == 3, body
    return response


def json_lines(stack, service: str, needle: str, timeout: float = 5) -> list[dict]:
    """The JSON lines of a service's log that contain ``needle`` (waiting a little for them to land)."""
    deadline = time.monotonic() + timeout
    while True:
        text = stack.processes[service].log_path.read_text(errors="replace")
        lines = [json.loads(line) for line in text.splitlines() if line.startswith("{") and needle in line]
        if lines or time.monotonic() > deadline:
            return lines
        time.sleep(0.1)


def new_traceparent() -> tuple[str, str]:
    trace_id = secrets.token_hex(16)
    return trace_id, f"00-{trace_id}-{secrets.token_hex(8)}-01"


def test_one_request_is_found_by_its_trace_id_and_request_id_in_every_service(stack, router):
    trace_id, traceparent = new_traceparent()
    request_id = f"probe-{secrets.token_hex(8)}"

    response = probe(router, traceparent=traceparent, **{"X-Request-ID": request_id})

    assert response.headers["x-request-id"] == request_id
    for service in SERVICES:
        lines = json_lines(stack, service, trace_id)
        assert lines, f"no log line of {service} has trace id {trace_id}"
        for line in lines:
            assert line["service"] == service
            assert line["trace_id"] == trace_id and line["traceparent"] == traceparent
            assert line["request_id"] == request_id
            assert {"ts", "level", "logger", "message"} <= line.keys()
        access = [line for line in lines if line["logger"] == "federation_kit.access"]
        assert len(access) == 1, access  # one subgraph request per service for this query
        assert access[0]["method"] == "POST" and access[0]["path"] == "/graphql" and access[0]["status"] == 200
        assert access[0]["operation"] == SUBGRAPH_OPERATIONS[service]
        assert access[0]["sql_queries"] >= 1 and access[0]["duration_ms"] > 0
        # The request id alone finds the same lines.
        assert json_lines(stack, service, request_id) == lines


def test_the_router_gives_a_request_id_to_a_request_without_one(stack, router):
    trace_id, traceparent = new_traceparent()
    response = probe(router, traceparent=traceparent)

    request_id = response.headers["x-request-id"]
    assert request_id
    for service in SERVICES:
        lines = json_lines(stack, service, trace_id)
        assert lines and {line["request_id"] for line in lines} == {request_id}, (service, lines)


def test_a_request_not_from_the_router_is_logged_with_an_id_of_its_own(stack):
    """A subgraph called directly (unsigned): refused, but still answered with an id and logged."""
    trace_id, traceparent = new_traceparent()
    response = httpx.post(stack.url("orders"), json={"query": "{ orders { id } }"}, headers={"traceparent": traceparent})
    assert response.status_code == 403
    request_id = response.headers["x-request-id"]
    assert len(request_id) == 32
    (line,) = [line for line in json_lines(stack, "orders", trace_id) if line["logger"] == "federation_kit.access"]
    assert line["request_id"] == request_id and line["status"] == 403 and line["operation"] == "refused"


def test_an_invalid_traceparent_is_not_logged(stack):
    marker = f"bad-{secrets.token_hex(8)}"
    response = httpx.get(stack.url("users").replace("/graphql", "/health"), headers={"traceparent": "00-zz", "X-Request-ID": marker})
    assert response.status_code == 200 and response.headers["x-request-id"] == marker
    # /health answers are DEBUG lines, so nothing is logged at the default level; an invalid
    # traceparent never becomes a trace id in any case.
    assert all("trace_id" not in line for line in json_lines(stack, "users", marker, timeout=0.5))


def samples(url: str) -> dict[tuple[str, tuple], float]:
    """Every sample of a Prometheus /metrics page: (name, sorted labels) -> value."""
    response = httpx.get(url, timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def metrics_url(stack, name: str) -> str:
    return f"http://127.0.0.1:{stack.ports[name]}/metrics"


def delta(before: dict, after: dict, name: str, **labels: str) -> float:
    key = (name, tuple(sorted(labels.items())))
    assert key in after, f"{name}{labels} is not in /metrics: {sorted(k for k in after if k[0] == name)}"
    return after[key] - before.get(key, 0)


REQUESTS = 4  # with two gunicorn workers a service's requests land on either: /metrics must count both


def test_metrics_count_requests_and_sql_queries_of_every_service(stack, router):
    before = {name: samples(metrics_url(stack, name)) for name in ("router", *SERVICES)}
    for _ in range(REQUESTS):
        probe(router)
    after = {name: samples(metrics_url(stack, name)) for name in ("router", *SERVICES)}

    for service in SERVICES:
        operation = SUBGRAPH_OPERATIONS[service]
        b, a = before[service], after[service]
        assert delta(b, a, "subgraph_requests_total", operation=operation, status="200") == REQUESTS
        assert delta(b, a, "subgraph_request_duration_seconds_count", operation=operation) == REQUESTS
        assert delta(b, a, "subgraph_request_duration_seconds_sum", operation=operation) > 0
        assert delta(b, a, "subgraph_request_sql_queries_count", operation=operation) == REQUESTS
        assert delta(b, a, "subgraph_request_sql_queries_sum", operation=operation) >= REQUESTS  # >= 1 query each

    b, a = before["router"], after["router"]
    # By operation type: no label a client chooses (docs/operations.md, "Metrics").
    assert delta(b, a, "graphql_envelop_request_total", operationType="query") == REQUESTS
    assert delta(b, a, "graphql_envelop_request_duration_count", operationType="query") == REQUESTS
    for subgraph in SERVICES:  # the router's requests to the subgraphs
        count = delta(b, a, "graphql_gateway_subgraph_execute_duration_count", subgraphName=subgraph, operationType="query")
        assert count == REQUESTS, subgraph


def test_subgraph_metrics_are_a_plain_get_and_not_graphql(stack):
    """Unlike /graphql, /metrics needs no router signature: Prometheus scrapes it on the private network."""
    response = httpx.get(metrics_url(stack, "payments"))
    assert response.status_code == 200 and b"subgraph_requests_total" in response.content
    assert httpx.post(metrics_url(stack, "payments")).status_code in (403, 405)  # CSRF or method


@pytest.mark.parametrize("service", SERVICES)
def test_health_answers_with_a_request_id(stack, service):
    response = httpx.get(f"http://127.0.0.1:{stack.ports[service]}/health")
    assert response.status_code == 200 and response.json()["status"] == "ok"
    assert response.headers["x-request-id"]


# The pieces, without processes: how a request is labelled, which traceparent is kept, a log line.


@pytest.mark.parametrize(
    ("body", "label"),
    [
        ({"query": "query Named { orders { id } }", "operationName": "Named"}, "Named"),
        ({"query": "query Named($id: ID!) { order(id: $id) { id } }"}, "Named"),
        ({"query": "{ orders(pagination: {limit: 2}) { id } }"}, "orders"),
        ({"query": "mutation { login(username: \"a\", password: \"b\") { token } }"}, "login"),
        ({"query": "{\n  first: orders { id }\n}"}, "orders"),  # an alias is not the field
        # The router's entity fetches: by the type of the first representation's fragment.
        ({"query": "query($representations:[_Any!]!){_entities(representations:$representations){...on User{username}}}",
          "variables": {"representations": [{"__typename": "User", "id": str(i)} for i in range(500)]}}, "_entities:User"),
        # A name quoted inside the query text or the variables is not the operation's name.
        ({"query": "{ orders { id } }", "variables": {"x": "\"operationName\": \"Fake\""}}, "orders"),
        ({"operationName": "not a name!", "query": "{ users { id } }"}, "users"),
        ({"variables": {}}, "anonymous"),
    ],
)
def test_operation_label(body, label):
    assert operation_label(json.dumps(body).encode()) == label


@pytest.mark.parametrize(
    ("traceparent", "kept"),
    [
        ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", True),
        ("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future", True),  # a later version may add fields
        ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", False),  # version 00 may not
        ("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", False),
        ("00-00000000000000000000000000000000-00f067aa0ba902b7-01", False),
        ("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", False),
        ("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", False),  # lowercase hex only
        ("00-zz", False),
        (None, False),
    ],
)
def test_a_traceparent_is_kept_only_when_valid(traceparent, kept):
    context = RequestContext("id", traceparent)
    assert (context.traceparent == traceparent and context.trace_id == traceparent.split("-")[1]) if kept else (
        context.traceparent is None and context.trace_id is None
    )


def test_a_json_log_line_has_the_request_and_the_extras():
    record = logging.LogRecord("federation_kit.access", logging.INFO, __file__, 1, "%s %s", ("POST", "/graphql"), None)
    record.request_id, record.trace_id, record.parent_id, record.traceparent = "r1", "a" * 32, "b" * 16, None
    record.status, record.operation = 200, None
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "POST /graphql" and line["level"] == "INFO" and line["logger"] == "federation_kit.access"
    assert line["request_id"] == "r1" and line["trace_id"] == "a" * 32 and line["status"] == 200
    assert "traceparent" not in line and "operation" not in line  # None is left out
    assert line["ts"].endswith("Z") and len(line["ts"]) == len("2025-01-01T00:00:00.000Z")


@pytest.mark.parametrize("sent", ["two words", "x" * 129, "<script>", "a;b"])
def test_a_request_id_the_services_would_refuse_is_replaced_by_the_router_for_all_of_them(stack, router, sent):
    trace_id, traceparent = new_traceparent()
    response = probe(router, traceparent=traceparent, **{"X-Request-ID": sent})

    request_id = response.headers["x-request-id"]
    assert request_id != sent and re.fullmatch(r"[A-Za-z0-9._:@/+=-]{1,128}", request_id), request_id
    for service in SERVICES:
        lines = json_lines(stack, service, trace_id)
        assert lines and {line["request_id"] for line in lines} == {request_id}, (service, lines)


@pytest.fixture
def json_logging_router(stack, tmp_path):
    """A second router for the stack's services, logging JSON as its image does, with the users
    service out of its reach, payments behind a proxy that holds each request 2 s, and a 500 ms
    subgraph timeout."""
    config = yaml.safe_load(stack.router_config().read_text())
    config["listen"]["port"] = port = free_port()
    with DelayProxy(stack.ports["payments"]) as payments:
        payments.delay = 2.0
        config["subgraphs"]["users"]["url"] = f"http://127.0.0.1:{free_port()}/graphql"  # nothing listens there
        config["subgraphs"]["payments"]["url"] = payments.url
        config["limits"]["subgraph_timeout_ms"] = 500
        path = tmp_path / "router-config.yaml"
        path.write_text(yaml.safe_dump(config))
        env = {**router_env(path, stack.hmac_secret), "LOG_JSON": "1", "NO_COLOR": "1"}
        url = f"http://127.0.0.1:{port}"
        process = Process("router-json", ROUTER_COMMAND, SUPERGRAPH_DIR, env, f"{url}/readiness", tmp_path / "router.log")
        process.start()
        try:
            process.wait_ready(time.monotonic() + READY_TIMEOUT)
            yield url + "/graphql", process
        finally:
            process.stop()


def router_lines(process, request_id: str, count: int) -> list[dict]:
    """The router's JSON lines with ``requestId``, once ``count`` of them are there (or 5 s passed)."""
    deadline = time.monotonic() + 5
    while True:
        text = process.log_path.read_text(errors="replace")
        lines = [json.loads(line) for line in text.splitlines() if line.startswith("{") and request_id in line]
        lines = [line for line in lines if line.get("requestId") == request_id]
        if len(lines) >= count or time.monotonic() > deadline:
            return lines
        time.sleep(0.1)


def test_the_routers_lines_about_a_request_carry_its_request_id(router, json_logging_router):
    url, process = json_logging_router
    headers = {"Authorization": f"Bearer {router.token}"}

    # A subgraph down (users) and one too slow (payments), in one request.
    request_id = f"failing-{secrets.token_hex(8)}"
    query = "{ orders(pagination: {limit: 1}) { id user { username } paymentStatus } }"
    response = httpx.post(url, json={"query": query}, headers={**headers, "X-Request-ID": request_id}, timeout=30)
    assert response.headers["x-request-id"] == request_id
    codes = {(e["extensions"]["code"], e["extensions"]["serviceName"]) for e in response.json()["errors"]}
    assert codes == {("SUBREQUEST_HTTP_ERROR", "users"), ("GATEWAY_TIMEOUT", "payments")}, response.text
    lines = router_lines(process, request_id, 2)
    assert {(line["level"], line["serviceName"], line["code"]) for line in lines} == {
        ("error", "users", "SUBREQUEST_HTTP_ERROR"),
        ("error", "payments", "GATEWAY_TIMEOUT"),
    }, lines

    # An error of the router's own: an operation its query planner cannot plan (test_fuzz.py).
    request_id = f"unplannable-{secrets.token_hex(8)}"
    query = "{ order(id: 1) { payments { order { amountDue paymentStatus } } } }"
    response = httpx.post(url, json={"query": query}, headers={**headers, "X-Request-ID": request_id}, timeout=30)
    assert response.json()["errors"][0]["extensions"]["code"] == "QUERY_PLAN_BUILD_FAILED"
    [line] = router_lines(process, request_id, 1)
    assert line["level"] == "error" and "Failed to plan query" in line["msg"], line
