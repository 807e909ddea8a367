"""The benchmark harness end to end with tiny data and counts (make test-bench).

Correctness only: every contender answers the same data, and every workload ran.
How fast anything was is never asserted.
"""

import json
import subprocess
import sys
from pathlib import Path

import httpx

BENCH = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BENCH))

from federation_kit.signature import signed_headers  # noqa: E402
from harness.systems import PEERS, Graphene, Monolith, Product, python_path  # noqa: E402
from harness.workloads import CONTENDERS, ENTITY_BATCH, orders_query  # noqa: E402
from run import SIZES, all_running  # noqa: E402


def test_every_contender_answers_the_same_data_and_runs_every_workload(tmp_path):
    subprocess.run([sys.executable, str(BENCH / "run.py"), "--smoke", "--results", str(tmp_path)], check=True)

    results = json.loads((tmp_path / "latest.json").read_text())
    answers = results["answers"]  # workload -> contender -> fingerprint of its answer
    for n in SIZES:
        assert list(answers[f"orders N={n}"]) == [c.name for c in CONTENDERS]
    assert list(answers["_entities"]) == [c.name for c in CONTENDERS if c.entities]
    for workload, fingerprints in answers.items():
        assert len(set(fingerprints.values())) == 1, (workload, fingerprints)

    ran = {(row["contender"], row["label"]) for row in results["rows"]}
    for contender in CONTENDERS:
        expected = [f"orders N={n}" for n in SIZES]
        expected += [f"_entities, {ENTITY_BATCH} users"] if contender.entities else []
        expected += ["createOrder"] if contender.create_order else []
        assert {(contender.name, label) for label in expected} <= ran
    assert "## Targets" in (tmp_path / "latest.md").read_text()
    assert (tmp_path / "latest.png").stat().st_size > 0


def test_the_subgraph_profiler_measures_every_subgraph_of_both_implementations():
    # profile_subgraphs.py drives each subgraph in-process (its own settings and test key): a
    # rename in the product broke it once, unnoticed until the next profiling round.
    output = subprocess.run([sys.executable, str(BENCH / "profile_subgraphs.py")], check=True, capture_output=True, text=True)
    subgraphs = ("users", "orders", "payments", "all three")
    rows = [line for line in output.stdout.splitlines() if line.startswith(tuple(f"| {name} |" for name in subgraphs))]
    assert len(rows) == len(subgraphs) * 4  # at N = 1, 10, 100 and 1,000


# Run by manage.py shell in the monolith's project: the orders query's SQL queries at each size.
_MONOLITH_QUERIES = """
import json
from django.db import connection
from django.test.utils import CaptureQueriesContext
from harness.workloads import orders_query
from shop.schema import schema

counts = {}
for n in (1, 100, 500):
    with CaptureQueriesContext(connection) as queries:
        result = schema.execute_sync(orders_query(n))
    assert not result.errors and len(result.data["orders"]) == n, result.errors
    counts[n] = len(queries.captured_queries)
print(json.dumps(counts))
"""


def test_the_monolith_answers_the_orders_query_with_the_same_sql_queries_at_every_size(tmp_path):
    # Its answers are checked against ours in the bench; a query per row would make it slower than
    # it should be, and flatter ours.
    monolith = Monolith(tmp_path, users=20, orders=500)
    monolith.seed()
    env = {**monolith.env, "PYTHONPATH": python_path(BENCH)}
    shell = [sys.executable, "manage.py", "shell", "-c", _MONOLITH_QUERIES]
    shell = subprocess.run(shell, cwd=PEERS / "monolith", env=env, check=True, capture_output=True, text=True)
    counts = json.loads(shell.stdout.strip().splitlines()[-1])
    assert counts == {"1": 2, "100": 2, "500": 2}  # orders with their users (a join), then all their payments


def test_the_guarded_graphene_peer_refuses_what_the_router_did_not_sign_or_a_bad_token_and_the_bare_one_answers_it(tmp_path):
    # "graphene, guarded" is the like-for-like reading against ours only while its subgraphs really
    # run the product's guard; the bare peer must stay without it.
    product = Product(tmp_path, users=2, orders=2)
    product.seed()
    bare, guarded = Graphene(tmp_path, product), Graphene(tmp_path, product, guarded=True)
    query = {"query": orders_query(2, "id total")}
    with all_running([bare, guarded]) as targets:
        refused = httpx.post(guarded.subgraph_urls["orders"], json=query)
        assert refused.status_code == 403
        assert [error["extensions"]["code"] for error in refused.json()["errors"]] == ["FORBIDDEN"]
        body = json.dumps(query).encode()
        headers = {**signed_headers(guarded.hmac_secret, body), "Authorization": "Bearer not-a-token"}
        bad_token = httpx.post(guarded.subgraph_urls["orders"], content=body, headers=headers)
        assert bad_token.status_code == 401
        assert [error["extensions"]["code"] for error in bad_token.json()["errors"]] == ["UNAUTHENTICATED"]
        through_router = httpx.post(targets[guarded.name].urls["router"], json=query).json()
        assert "errors" not in through_router and len(through_router["data"]["orders"]) == 2
        assert httpx.post(bare.subgraph_urls["orders"], json=query).json() == through_router
