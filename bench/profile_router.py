"""Where the router's CPU goes: Hive Gateway under ``node --cpu-prof`` while the orders query for
N orders goes through it one request at a time (as "ours, 1 connection" in ``make bench``).

    .venv/bin/python bench/profile_router.py [--n 1] [--requests 1000] [--keep profile.cpuprofile]

Only the samples taken while the requests ran are counted (not start-up, not the warm-up).
Printed: the router's CPU per request, and its share by package and by function (self time).
"""

import argparse
import itertools
import json
import os
import re
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path

from harness.load import warm_up
from harness.systems import Product
from harness.workloads import CONTENDERS

USERS, ORDERS = 1000, 10_000


def with_cpu_profile(product: Product, profile_dir: Path) -> None:
    """Start the product's router as ``node --cpu-prof`` (a flag NODE_OPTIONS refuses)."""
    router_process = product.stack.router_process

    def profiled():
        process = router_process()
        node, hive_gateway, *arguments = process.command
        process.command = [node, "--cpu-prof", f"--cpu-prof-dir={profile_dir}", os.path.realpath(hive_gateway), *arguments]
        return process

    product.stack.router_process = profiled


def where(frame: dict) -> str:
    """A sample's place: the npm package, node's own module, or V8's pseudo-frame ("(garbage collector)")."""
    url = frame["url"]
    package = re.search(r"node_modules/((@[^/]+/)?[^/]+)", url)
    if package:
        return package.group(1)
    if url.startswith("node:"):
        return f"node ({url.removeprefix('node:').removeprefix('internal/')})"
    return url.rsplit("/", 1)[-1] or frame["functionName"]


def summary(profile: dict, seconds: float, requests: int, top: int) -> str:
    """CPU over the last ``seconds`` of the profile, by package and by function."""
    nodes = {node["id"]: node for node in profile["nodes"]}
    times = list(itertools.accumulate(profile["timeDeltas"]))
    since = times[-1] - seconds * 1e6
    own = Counter()
    for sample, delta, at in zip(profile["samples"], profile["timeDeltas"], times):
        if at >= since:
            own[sample] += delta
    busy = {node: t for node, t in own.items() if nodes[node]["callFrame"]["functionName"] != "(idle)"}
    total = sum(busy.values()) or 1
    by_package, by_function = Counter(), Counter()
    for node, t in busy.items():
        frame = nodes[node]["callFrame"]
        by_package[where(frame)] += t
        by_function[f"{frame['functionName'] or '(anonymous)'} ({where(frame)}:{frame['lineNumber'] + 1})"] += t
    lines = [
        f"Router CPU: {total / 1000 / requests:.2f} ms a request "
        f"({total / (sum(own.values()) or 1):.0%} of the time busy)",
        "",
        "| CPU spent in | share |",
        "| --- | ---: |",
    ]
    lines += [f"| {name} | {t / total:.1%} |" for name, t in by_package.most_common(top)]
    lines += ["", "| function (itself) | share |", "| --- | ---: |"]
    lines += [f"| `{name}` | {t / total:.1%} |" for name, t in by_function.most_common(top)]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1, help="orders per request")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--top", type=int, default=20, help="packages and functions listed")
    parser.add_argument("--keep", type=Path, help="copy the .cpuprofile here (opens in Chrome's DevTools)")
    args = parser.parse_args()
    ours = next(contender for contender in CONTENDERS if contender.name == "ours")

    with tempfile.TemporaryDirectory(prefix="bench-profile-") as scratch:
        product = Product(Path(scratch), USERS, ORDERS)
        profile_dir = Path(scratch) / "cpu-profile"
        with_cpu_profile(product, profile_dir)
        with product.running() as target:
            request = ours.orders(target, args.n)
            warm_up(request, max(20, args.requests // 10), 1)
            started = time.monotonic()
            warm_up(request, args.requests, 1)
            # The profile ends when the router exits: count back from there to the first request.
            product.stack.stop_process("router")
            seconds = time.monotonic() - started
        # The gateway's main thread; a second, idle profile comes from its module loader's thread.
        profile_path = min(profile_dir.glob("*.cpuprofile"), key=lambda p: p.name.rsplit(".", 3)[-3])
        if args.keep:
            shutil.copy(profile_path, args.keep)
        profile = json.loads(profile_path.read_text())
    print(f"## Router, orders N={args.n}: {args.requests} requests one at a time in {seconds:.1f} s\n")
    print(summary(profile, seconds, args.requests, args.top))


if __name__ == "__main__":
    main()
