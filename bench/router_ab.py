"""A/B of a router change: two Hive Gateways in front of the same subgraphs at once, sent the orders
query in turns, and each one's CPU per request read from /proc. The VM's speed drifts by ±30%
within minutes; turns of a few seconds put both routers through the same drift, which two
separate runs cannot.

    .venv/bin/python bench/router_ab.py --n 100 --b-node-options=--max-semi-space-size=32
    .venv/bin/python bench/router_ab.py --n 1000 --b-config /tmp/other-gateway.config.mjs
    .venv/bin/python bench/router_ab.py --n 1 --b-node /usr/bin/node

A is the router as the product's Stack runs it. B is the same but for ``--b-node-options`` (added
to NODE_OPTIONS), ``--b-env NAME=VALUE`` (set in its environment), ``--b-config`` (a
gateway.config.mjs to use instead of supergraph's) and ``--b-node`` (another Node.js binary).
Printed: CPU ms a request of each, the wall time a request took the client (at ``--concurrency``),
B ÷ A of the CPU and its spread over the turns, and each one's resident memory at the end.
"""

import argparse
import dataclasses
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from harness.cpu import tree_ticks  # noqa: E402
from harness.load import warm_up  # noqa: E402
from harness.systems import NODE, SUPERGRAPH_DIR, Product, free_port  # noqa: E402
from harness.workloads import CONTENDERS  # noqa: E402

USERS, ORDERS = 1000, 10_000
TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) // 1024


def config_dir(scratch: Path, gateway_config: Path) -> Path:
    """supergraph/ as it is (links), but for its gateway.config.mjs."""
    directory = scratch / "router-b"
    directory.mkdir()
    for entry in SUPERGRAPH_DIR.iterdir():
        if entry.name != "gateway.config.mjs":
            (directory / entry.name).symlink_to(entry)
    shutil.copy(gateway_config, directory / "gateway.config.mjs")
    return directory


def router_b(product: Product, scratch: Path, node_options: str, env: list[str], gateway_config: Path | None, node: str | None):
    """A second router process for the product's subgraphs, on a port of its own."""
    stack = product.stack
    ports, stack.ports = stack.ports, {**stack.ports, "router": free_port()}
    try:  # its config, readiness URL and URL, all for the other port
        process, url = stack.router_process(), stack.url("router")
    finally:
        stack.ports = ports
    process.name, process.log_path = "router-b", scratch / "router-b.log"
    if node_options:
        process.env["NODE_OPTIONS"] = f"{process.env['NODE_OPTIONS']} {node_options}"
    process.env.update(setting.split("=", 1) for setting in env)
    if gateway_config:
        process.cwd = config_dir(scratch, gateway_config)
    if node:
        process.command = [node, *process.command[1:]]
    return process, url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100, help="orders per request")
    parser.add_argument("--turns", type=int, default=12, help="turns each router gets")
    parser.add_argument("--requests", type=int, help="requests a turn (default: about 2 s of work)")
    parser.add_argument("--b-node-options", default="", help="added to B's NODE_OPTIONS")
    parser.add_argument("--b-env", action="append", default=[], metavar="NAME=VALUE", help="set in B's environment")
    parser.add_argument("--b-config", type=Path, help="B's gateway.config.mjs")
    parser.add_argument("--b-node", help="B's Node.js binary")
    parser.add_argument("--concurrency", type=int, default=1)
    args = parser.parse_args()
    if not (args.b_node_options or args.b_env or args.b_config or args.b_node):
        parser.error("give B something to differ by: --b-node-options, --b-env, --b-config or --b-node")
    ours = next(contender for contender in CONTENDERS if contender.name == "ours")
    per_turn = args.requests or max(10, 300 // max(1, args.n // 10))

    with tempfile.TemporaryDirectory(prefix="bench-router-ab-") as scratch:
        product = Product(Path(scratch), USERS, ORDERS)
        with product.running() as target:
            b_process, b_url = router_b(product, Path(scratch), args.b_node_options, args.b_env, args.b_config, args.b_node)
            b_process.start()
            try:
                b_process.wait_ready(time.monotonic() + 60)
                routers = {
                    "A": (ours.orders(target, args.n), product.stack.processes["router"].popen.pid),
                    "B": (
                        ours.orders(dataclasses.replace(target, urls={**target.urls, "router": b_url}), args.n),
                        b_process.popen.pid,
                    ),
                }
                for request, _ in routers.values():
                    warm_up(request, per_turn, args.concurrency)
                ticks = {name: [] for name in routers}
                seconds = {name: 0.0 for name in routers}
                for _ in range(args.turns):
                    for name, (request, pid) in routers.items():
                        before, started = tree_ticks(pid), time.perf_counter()
                        warm_up(request, per_turn, args.concurrency)
                        seconds[name] += time.perf_counter() - started
                        ticks[name].append(tree_ticks(pid) - before)
                rss = {name: rss_mib(pid) for name, (_, pid) in routers.items()}
            finally:
                b_process.stop()
    ms = {name: sum(t) * TICK_MS / (per_turn * args.turns) for name, t in ticks.items()}
    ratios = sorted(b / a for a, b in zip(ticks["A"], ticks["B"]) if a)
    print(f"## Router A/B, orders N={args.n}: {args.turns} turns of {per_turn} requests each, {args.concurrency} at a time")
    print(f"B: NODE_OPTIONS += {args.b_node_options!r}; env {args.b_env}; gateway config {args.b_config or 'as committed'}; node {args.b_node or NODE}\n")
    # Wall time too: a change may add latency (awaits, timers) without CPU. The client's time over
    # the requests: at --concurrency 1 a request's latency (with the client's own), above it not.
    wall = {name: s * 1000 / (per_turn * args.turns) for name, s in seconds.items()}
    print("| router | CPU ms a request | client's wall ms ÷ requests | RSS MiB after the turns |\n| --- | ---: | ---: | ---: |")
    for name in ("A", "B"):
        print(f"| {name} | {ms[name]:.2f} | {wall[name]:.2f} | {rss[name]} |")
    print(f"\nB ÷ A: {ms['B'] / ms['A']:.3f} (turns: median {statistics.median(ratios):.3f}, range {ratios[0]:.3f}–{ratios[-1]:.3f})")


if __name__ == "__main__":
    main()
