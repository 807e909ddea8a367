"""Where the CPU of one orders query goes, process by process, ours against graphene: the router,
each subgraph (gunicorn and its workers) and the load generator, under the benchmark's load.

    .venv/bin/python bench/cpu_split.py [--n 1 100 1000] [--seconds 15]
    .venv/bin/python bench/cpu_split.py --create-order   # createOrder, REST the old way too

The systems run as in ``make bench`` (same router, same gunicorn, same data) and are driven one
after the other with 4 connections; per request it prints the CPU milliseconds each process tree
used (from /proc, so the kernel's work for it counts too). On 2 cores at full load, a system's
throughput is set by the sum of these, so this says which part of it to make cheaper.
"""

import argparse
import os
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from harness.cpu import tree_ticks  # noqa: E402
from harness.load import warm_up  # noqa: E402
from harness.systems import SERVICES, Graphene, Product, Rest  # noqa: E402
from harness.workloads import CONTENDERS, with_ours_token  # noqa: E402

USERS, ORDERS = 1000, 10_000
TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")
CONCURRENCY = 4


def measure(request, pids: dict[str, int], seconds: float) -> tuple[int, dict[str, float]]:
    """Drive ``request`` for about ``seconds``; the requests sent and CPU ms a request per process tree."""
    warm_up(request, 2 * CONCURRENCY, CONCURRENCY)
    before = {name: tree_ticks(pid) for name, pid in pids.items()}
    client_before, sent, deadline = os.times(), 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        warm_up(request, 4 * CONCURRENCY, CONCURRENCY)
        sent += 4 * CONCURRENCY
    client_after = os.times()
    cpu = {name: (tree_ticks(pid) - before[name]) * TICK_MS / sent for name, pid in pids.items()}
    cpu["load generator"] = 1000 * (client_after.user + client_after.system - client_before.user - client_before.system) / sent
    return sent, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[1, 100, 1000], help="orders per request")
    parser.add_argument("--seconds", type=float, default=15, help="how long each system is driven per workload")
    parser.add_argument("--create-order", action="store_true", help="createOrder instead, REST the old way as well")
    args = parser.parse_args()
    contenders = {contender.name: contender for contender in CONTENDERS}

    with tempfile.TemporaryDirectory(prefix="bench-cpu-") as scratch:
        product = Product(Path(scratch), USERS, ORDERS)
        product.seed()
        graphene = Graphene(Path(scratch), product)
        rest = Rest(Path(scratch), product) if args.create_order else None
        with (
            product.running() as ours_target,
            graphene.running() as graphene_target,
            rest.running() if rest else nullcontext() as rest_target,
        ):
            # system: (its contender in the bench, its target, its processes)
            systems = {
                "ours": (
                    contenders["ours"],
                    ours_target,
                    {name: product.stack.processes[name].popen.pid for name in ("router", *SERVICES)},
                ),
                "graphene": (
                    contenders["graphene"],
                    with_ours_token(graphene_target, ours_target),
                    {"router": graphene.router.popen.pid} | {n: p.popen.pid for n, p in zip(SERVICES, graphene.subgraphs)},
                ),
            }
            if rest:
                systems["REST, old way"] = (
                    contenders["REST, old way"],
                    rest_target,
                    {n: p.popen.pid for n, p in zip(SERVICES, rest.processes)},
                )
            if args.create_order:
                workloads = {"createOrder": lambda contender, target: contender.create_order(target)}
            else:
                workloads = {f"orders N={n}": lambda contender, target, n=n: contender.orders(target, n) for n in args.n}
            rows = []
            for workload, request in workloads.items():
                for system, (contender, target, pids) in systems.items():
                    sent, cpu = measure(request(contender, target), pids, args.seconds)
                    rows.append((workload, system, sent, cpu))
    parts = ["router", *SERVICES, "load generator"]
    print("| workload | system | requests | " + " | ".join(f"{part} ms" for part in parts) + " | all ms |")
    print("| --- | --- | ---: | " + " | ".join("---:" for _ in parts) + " | ---: |")
    for workload, system, sent, cpu in rows:
        cells = " | ".join(f"{cpu[part]:.1f}" if part in cpu else "—" for part in parts)
        print(f"| {workload} | {system} | {sent} | {cells} | {sum(cpu.values()):.1f} |")


if __name__ == "__main__":
    main()
