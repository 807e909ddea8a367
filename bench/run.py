"""``make bench``: every contender on this machine, one after another, on the same data under the same load.

    python bench/run.py                      the benchmark: table on stdout, bench/results/latest.{md,json,png}
    python bench/run.py --smoke --results D  tiny data and counts, to prove it works end to end (make test-bench)

Runs in the product's .venv (it starts the product with scripts/stack.py); the graphene
peers run in bench/.venv-graphene and the plot is drawn in bench/.venv-tools.
Before timing a workload, the harness checks that the contender's answer is the product's.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from harness import report
from harness.load import answer, measure
from harness.systems import ROOT, Graphene, Monolith, Product, Rest
from harness.workloads import CONTENDERS, ENTITY_BATCH, Contender, WrongAnswer, entities_in, fingerprint, orders_in

SIZES = (1, 10, 100, 1000)
TOOLS_PYTHON = ROOT / "bench" / ".venv-tools" / "bin" / "python"


@dataclass(frozen=True)
class Profile:
    users: int
    orders: int
    requests: dict[int, int]  # per N, for the orders workload
    requests_calling_per_order: dict[int, int]  # the same, for a contender making HTTP calls per order
    entity_requests: int
    create_requests: int
    concurrency: int = 4

    def warmup(self, count: int) -> int:
        return max(self.concurrency, count // 10)


# About 10 minutes in all on 2 cores; N=1000 needs fewer requests, and so does REST.
FULL = Profile(
    users=1000,
    orders=10_000,
    requests={1: 1000, 10: 600, 100: 200, 1000: 30},
    requests_calling_per_order={1: 200, 10: 60, 100: 12, 1000: 4},
    entity_requests=100,
    create_requests=300,
)
SMOKE = Profile(
    users=ENTITY_BATCH,
    orders=max(SIZES),
    requests={1: 8, 10: 8, 100: 4, 1000: 2},
    requests_calling_per_order={1: 4, 10: 4, 100: 2, 1000: 1},
    entity_requests=4,
    create_requests=4,
)


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Bench:
    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.rows: list[report.Row] = []
        self.answers: dict[str, dict[str, str]] = {}  # workload label -> contender -> fingerprint of its answer

    def check(self, label: str, contender: str, value) -> None:
        """The first contender (ours) sets what every other one must answer."""
        seen = self.answers.setdefault(label, {})
        seen[contender] = fingerprint(value)
        reference, expected = next(iter(seen.items()))
        if seen[contender] != expected:
            raise WrongAnswer(f"{contender} does not answer {label} as {reference} does")

    def time(self, workload: str, size: int, contender: str, request, count: int) -> None:
        m = measure(request, count, self.profile.concurrency, self.profile.warmup(count))
        row = report.Row(workload, size, contender, m)
        self.rows.append(row)
        progress(f"  {contender:<16} {row.label:<22} p50 {m.p50_ms:8.2f} ms  p99 {m.p99_ms:8.2f} ms  {m.rps:8.1f} req/s")

    def run(self, contender: Contender, urls) -> None:
        counts = self.profile.requests_calling_per_order if contender.calls_per_order else self.profile.requests
        for n in SIZES:
            request = contender.orders(urls, n)
            orders = orders_in(answer(request))
            if len(orders) != n:
                raise WrongAnswer(f"{contender.name} answered {len(orders)} orders instead of {n}")
            self.check(f"orders N={n}", contender.name, orders)
            self.time("orders", n, contender.name, request, counts[n])
        if contender.entities:
            request = contender.entities(urls)
            self.check("_entities", contender.name, entities_in(answer(request)))
            self.time("_entities", ENTITY_BATCH, contender.name, request, self.profile.entity_requests)
        if contender.create_order:
            request = contender.create_order(urls)
            answer(request)  # fails unless the order was created
            self.time("createOrder", 1, contender.name, request, self.profile.create_requests)


def run_all(profile: Profile, scratch: Path) -> Bench:
    product = Product(scratch, profile.users, profile.orders)
    monolith = Monolith(scratch, profile.users, profile.orders)
    systems = {s.name: s for s in (product, monolith, Rest(scratch, product), Graphene(scratch, product))}
    progress(f"Seeding {profile.users} users and {profile.orders} orders for the product and the monolith")
    product.seed()
    monolith.seed()
    bench = Bench(profile)
    for name in dict.fromkeys(c.system for c in CONTENDERS):  # each system once, in the contenders' order
        progress(f"Starting {name}")
        with systems[name].running():
            for contender in CONTENDERS:
                if contender.system == name:
                    bench.run(contender, systems[name].urls)
    return bench


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny data and request counts")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "results", help="where latest.* are written")
    args = parser.parse_args()
    profile = SMOKE if args.smoke else FULL
    # The router refuses to start when these are set (they would override router-config.yaml).
    for name in ("HOST", "PORT"):
        os.environ.pop(name, None)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        bench = run_all(profile, Path(scratch))
    elapsed = time.monotonic() - started
    about = {
        "run": (
            f"Run on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC in {elapsed:.0f} s: {profile.users} users, "
            f"{profile.orders} orders; {profile.concurrency} concurrent connections; per workload a fixed number "
            f"of requests (column requests) after {profile.warmup(10)}+ warm-up requests."
        ),
        "machine": report.machine(),
        "contenders": {c.name: c.what for c in CONTENDERS},
    }
    report.write(args.results, bench.rows, SIZES, about, bench.answers)
    subprocess.run([str(TOOLS_PYTHON), str(ROOT / "bench" / "plot.py"), str(args.results / "latest.json")], check=True)
    print(report.table(bench.rows))
    print()
    print("\n".join(report.targets(bench.rows, SIZES)))
    print(f"\nWritten to {args.results}/latest.md (and .json, .png) in {elapsed:.0f} s")


if __name__ == "__main__":
    main()
