"""CPU time each subgraph spends on its part of the orders query, ours against graphene's:
the instrument behind bench/results/profiling.md, for before/after comparisons of a fix.

    .venv/bin/python bench/profile_subgraphs.py [--profile payments:100 ...]

Each subgraph runs in a process of its own (its Django app, whole middleware stack, Django's
test client, no network) on the same fresh demo data, and is sent what the router sends it for
N orders: for ours signed with the router's secret and with a staff token. Reported: the median
CPU time of 15 to 400 requests, which other jobs on the machine change far less than wall time.
``--profile SERVICE:N`` (repeatable) also prints cProfile's busiest functions for that request,
ours then graphene's, on stderr (sorted by PROFILE_SORT, over PROFILE_REQUESTS requests).
"""

import argparse
import cProfile
import gc
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from harness.workloads import PAYMENTS, PLANNED_ORDER_FIELDS, USERNAMES, orders_query  # noqa: E402

SIZES = (1, 10, 100, 1000)
USERS = 1000
SERVICES = ("users", "orders", "payments")


def subgraph_request(service: str, n: int) -> tuple[str, dict]:
    """The query and variables the router sends ``service`` for the first ``n`` orders."""
    from federation_kit.demo import demo_order

    orders = [demo_order(i, USERS) for i in range(1, n + 1)]
    if service == "orders":
        return orders_query(n, PLANNED_ORDER_FIELDS), {}
    if service == "users":
        users = dict.fromkeys(str(o.user_id) for o in orders)
        return USERNAMES, {"representations": [{"__typename": "User", "id": u} for u in users]}
    return PAYMENTS, {"representations": [{"__typename": "Order", "total": str(o.total), "id": str(o.id)} for o in orders]}


def measure(implementation: str, service: str, profiles: list[str]) -> None:
    """In a subgraph's own process: print one JSON line per N, and the profiles asked for."""
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    settings.ALLOWED_HOSTS = ["testserver"]
    client, headers, signature = Client(), {}, lambda body: {}
    if implementation == "ours":
        from federation_kit.signature import HEADER, sign
        from federation_kit.testing import token_for

        # The tests' key signs a staff token, and the subgraph is told to trust it.
        settings.JWT_PUBLIC_KEY_PROVIDER = "federation_kit.testing.public_key_for_tests"
        headers = {"Authorization": f"Bearer {token_for(1, staff=True)}"}

        def signature(body):
            return {HEADER: sign(settings.ROUTER_HMAC_SECRET, body)}  # as the router signs

    for n in SIZES:
        query, variables = subgraph_request(service, n)
        # Encoded and signed once: the client's work is not the subgraph's.
        body = json.dumps({"query": query, "variables": variables}).encode()
        request_headers = {**headers, **signature(body)}

        def once():
            response = client.post("/graphql", body, "application/json", headers=request_headers)
            assert response.status_code == 200 and b'"errors"' not in response.content, response.content[:300]

        for _ in range(3):
            once()
        gc.collect()
        gc.freeze()  # as the servers do after loading (federation_kit.gunicorn_config)
        times = []
        for _ in range(max(15, 400 // n)):  # more of the short ones, whose median the machine's noise moves most
            started = time.process_time()
            once()
            times.append(time.process_time() - started)
        print(json.dumps({"service": service, "n": n, "cpu_ms": statistics.median(times) * 1000}), flush=True)
        if f"{service}:{n}" in profiles:
            profiler = cProfile.Profile()
            for _ in range(int(os.environ.get("PROFILE_REQUESTS", "1"))):
                profiler.runcall(once)
            print(f"\n{implementation}, {service} subgraph, N={n}:", flush=True)
            pstats.Stats(profiler, stream=sys.stdout).sort_stats(os.environ.get("PROFILE_SORT", "tottime")).print_stats(int(os.environ.get("PROFILE_LINES", "25")))
            sys.stdout.flush()


def run_subgraphs(implementation: str, product, profiles: list[str]) -> dict[tuple[str, int], float]:
    from harness.systems import GRAPHENE_BIN, PEERS, PRODUCT_BIN, ROOT, Graphene, python_path

    cpu = {}
    for service in SERVICES:
        if implementation == "ours":
            python, cwd = PRODUCT_BIN / "python", ROOT / "subgraphs" / service
            env = {**product.stack.service_env(service), "PYTHONPATH": python_path(cwd)}
        else:
            python, cwd = GRAPHENE_BIN / "python", PEERS / "graphene"
            env = Graphene.subgraph_env(service, product.database(service), users_url="")
            env["PYTHONPATH"] = os.pathsep.join([str(cwd), str(BENCH), env["PYTHONPATH"]])
        command = [str(python), __file__, "--in-subgraph", implementation, service]
        command += [argument for profile in profiles for argument in ("--profile", profile)]
        # The subgraph's logs (an access log line per request) go to stderr: shown only if it fails.
        output = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
        if output.returncode:
            sys.exit(f"{implementation} {service} subgraph failed:\n{output.stderr[-3000:]}")
        for line in output.stdout.splitlines():
            if line.startswith('{"service"'):
                row = json.loads(line)
                cpu[row["service"], row["n"]] = row["cpu_ms"]
            else:
                print(line, file=sys.stderr)
    return cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--profile", metavar="SERVICE:N", action="append", default=[], help="also print cProfile's busiest functions there"
    )
    parser.add_argument("--in-subgraph", nargs=2, metavar=("IMPLEMENTATION", "SERVICE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.in_subgraph:
        measure(*args.in_subgraph, args.profile)
        return

    from harness.systems import Product

    with tempfile.TemporaryDirectory(prefix="bench-profile-") as scratch:
        product = Product(Path(scratch), USERS, max(SIZES))
        product.seed()
        ours, graphene = (run_subgraphs(name, product, args.profile) for name in ("ours", "graphene"))
    print("| subgraph | N | ours CPU ms | graphene CPU ms | graphene ÷ ours |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for service in SERVICES:
        for n in SIZES:
            key = (service, n)
            print(f"| {service} | {n} | {ours[key]:.2f} | {graphene[key]:.2f} | {graphene[key] / ours[key]:.2f}× |")
    for n in SIZES:
        total_ours, total_graphene = (sum(cpu[s, n] for s in SERVICES) for cpu in (ours, graphene))
        print(f"| all three | {n} | {total_ours:.2f} | {total_graphene:.2f} | {total_graphene / total_ours:.2f}× |")


if __name__ == "__main__":
    main()
