"""A/B of a change to the subgraphs: the CPU one subgraph request costs with another commit's code (A)
against the working tree's (B), in-process, on the same data.

    .venv/bin/python bench/subgraph_ab.py --a HEAD~1 [--services orders,users] [--n 1] [--rounds 3]

A is checked out in a temporary git worktree. Each round runs every service once with A's code and
once with B's, each in a process of its own (the service's WSGI application with its whole
middleware stack, no network), the order alternating from round to round; a process answers what
the router sends that service for N orders (signed, with a staff token; `profile_subgraphs.py`),
and reports the median CPU a request over blocks of 100. Printed: per service, the median of the
rounds for A and B, and B ÷ A (below 1: B is cheaper). Other jobs on the machine move single
runs by several per cent: trust a ratio whose rounds agree.
"""

import argparse
import gc
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

REQUESTS_PER_BLOCK = 100


def measure(service: str, n: int, blocks: int) -> None:
    """In a subgraph's own process, with its tree's code: print the median CPU ms a request."""
    import importlib

    import django

    django.setup()
    from django.conf import settings

    from federation_kit.signature import HEADER, sign
    from federation_kit.testing import token_for
    from profile_subgraphs import subgraph_request

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.JWT_PUBLIC_KEY_PROVIDER = "federation_kit.testing.public_key_for_tests"
    application = importlib.import_module(os.environ["DJANGO_SETTINGS_MODULE"].replace(".settings", ".wsgi")).application
    query, variables = subgraph_request(service, n)
    body = json.dumps({"query": query, "variables": variables}).encode()
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": "/graphql", "SCRIPT_NAME": "", "QUERY_STRING": "",
        "SERVER_NAME": "testserver", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
        "HTTP_AUTHORIZATION": f"Bearer {token_for(1, staff=True)}",
        "HTTP_" + HEADER.upper().replace("-", "_"): sign(settings.ROUTER_HMAC_SECRET, body),
        "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
    }

    def once() -> None:
        statuses = []
        chunks = application({**environ, "wsgi.input": io.BytesIO(body)}, lambda status, headers, exc_info=None: statuses.append(status))
        answer = b"".join(chunks)
        chunks.close()
        assert statuses[0].startswith("200") and b'"errors"' not in answer, answer[:300]

    for _ in range(30):
        once()
    gc.collect()
    gc.freeze()  # as the servers do after loading (federation_kit.gunicorn_config)
    per_request = []
    for _ in range(blocks):
        started = time.process_time()
        for _ in range(REQUESTS_PER_BLOCK):
            once()
        per_request.append((time.process_time() - started) * 1000 / REQUESTS_PER_BLOCK)
    print(json.dumps({"cpu_ms": statistics.median(per_request)}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--a", required=True, metavar="REV", help="the commit to compare the working tree with")
    parser.add_argument("--services", default="users,orders,payments")
    parser.add_argument("--n", type=int, default=1, help="orders the request is for")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--blocks", type=int, default=15, help=f"blocks of {REQUESTS_PER_BLOCK} requests a process")
    parser.add_argument("--in-subgraph", nargs=3, metavar=("SERVICE", "N", "BLOCKS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.in_subgraph:
        service, n, blocks = args.in_subgraph
        measure(service, int(n), int(blocks))
        return

    from harness.systems import PRODUCT_BIN, Product

    services = args.services.split(",")
    with tempfile.TemporaryDirectory(prefix="bench-subgraph-ab-") as scratch:
        tree_a = Path(scratch) / "a"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(tree_a), args.a], check=True)
        try:
            product = Product(Path(scratch), 1000, max(args.n, 100))
            product.seed()
            trees = {"A": tree_a, "B": ROOT}
            cpu = {(tree, service): [] for tree in trees for service in services}
            for turn in range(args.rounds):
                for service in services:
                    for tree in ("A", "B") if turn % 2 == 0 else ("B", "A"):
                        service_dir = trees[tree] / "subgraphs" / service
                        env = {
                            **product.stack.service_env(service),
                            # The tree's federation_kit before the one the venv has installed (ours).
                            "PYTHONPATH": os.pathsep.join([str(service_dir), str(trees[tree] / "subgraphs" / "federation_kit"), str(BENCH)]),
                            "PROMETHEUS_MULTIPROC_DIR": tempfile.mkdtemp(dir=scratch),  # as under gunicorn
                        }
                        command = [str(PRODUCT_BIN / "python"), __file__, "--a", args.a, "--in-subgraph", service, str(args.n), str(args.blocks)]
                        output = subprocess.run(command, cwd=service_dir, env=env, capture_output=True, text=True)
                        if output.returncode:
                            sys.exit(f"{tree} {service} failed:\n{output.stderr[-3000:]}")
                        cpu[tree, service].append(json.loads(output.stdout.splitlines()[-1])["cpu_ms"])
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree_a)], check=False)
    print(f"| service, N={args.n} | A ({args.a}) ms | B (working tree) ms | B ÷ A | rounds A | rounds B |")
    print("| --- | ---: | ---: | ---: | --- | --- |")
    for service in services:
        a, b = (statistics.median(cpu[tree, service]) for tree in ("A", "B"))
        rounds_a, rounds_b = (" ".join(f"{value:.3f}" for value in cpu[tree, service]) for tree in ("A", "B"))
        print(f"| {service} | {a:.3f} | {b:.3f} | {b / a:.3f} | {rounds_a} | {rounds_b} |")


if __name__ == "__main__":
    main()
