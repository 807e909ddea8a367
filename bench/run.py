"""``make bench``: every contender on this machine, on the same data under the same load.

    python bench/run.py                      the benchmark: table on stdout, bench/results/latest.{md,json,png}
    python bench/run.py --smoke --results D  tiny data and counts, to prove it works end to end (make test-bench)

Runs in the product's .venv (it starts the product with scripts/stack.py); the graphene
peers run in bench/.venv-graphene and the plot is drawn in bench/.venv-tools.
All contenders run at once, idle but for the one being measured. For each workload the harness
checks that every contender answers as the product does, warms each up, then times each one's
requests in up to ROUNDS rounds taken in turn, so that another job on this shared machine slows
them all alike rather than whoever happened to run at the time.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from harness import report
from harness.load import Request, Rounds, answer, warm_up
from harness.systems import ROOT, Graphene, Monolith, Product, Rest
from harness.workloads import (
    CONTENDERS,
    ENTITY_BATCH,
    Contender,
    Target,
    WrongAnswer,
    entities_in,
    fingerprint,
    orders_in,
    with_ours_token,
)

SIZES = (1, 10, 100, 1000)
ROUNDS = 5  # a workload's requests, per contender, in up to this many rounds taken in turn
ERROR_LINE = re.compile(r"error|exception|traceback|\" 5\d\d ", re.IGNORECASE)
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

    @staticmethod
    def warmup(count: int) -> int:
        return count // 10  # besides the request whose answer is checked


# 3 to 5 minutes in all on 2 cores (shared with other jobs); N=1000 needs fewer requests, and so does REST.
FULL = Profile(
    users=1000,
    orders=10_000,
    requests={1: 1000, 10: 600, 100: 200, 1000: 60},
    # N=100 is the REST target: twice as many requests as its duration alone would ask for.
    requests_calling_per_order={1: 200, 10: 60, 100: 24, 1000: 4},
    entity_requests=100,
    create_requests=300,
)
SMOKE = Profile(
    users=ENTITY_BATCH,
    orders=max(SIZES),
    requests={1: 8, 10: 8, 100: 4, 1000: 4},
    requests_calling_per_order={1: 4, 10: 4, 100: 1, 1000: 1},
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

    def checked_request(self, workload: str, size: int, contender: Contender, target: Target) -> Request | None:
        """The contender's request for the workload (None: it has no such workload), once its answer is checked."""
        if workload == "orders":
            request = contender.orders(target, size)
            orders = orders_in(answer(request))
            if len(orders) != size:
                raise WrongAnswer(f"{contender.name} answered {len(orders)} orders instead of {size}")
            self.check(f"orders N={size}", contender.name, orders)
        elif workload == "_entities" and contender.entities:
            request = contender.entities(target)
            self.check("_entities", contender.name, entities_in(answer(request)))
        elif workload == "createOrder" and contender.create_order:
            request = contender.create_order(target)
            answer(request)  # fails unless the order was created
        else:
            return None
        return request

    def count(self, workload: str, size: int, contender: Contender) -> int:
        if workload == "orders":
            counts = self.profile.requests_calling_per_order if contender.calls_per_order else self.profile.requests
            return counts[size]
        return self.profile.entity_requests if workload == "_entities" else self.profile.create_requests

    def run(self, workload: str, size: int, targets: dict[str, Target]) -> None:
        """Every contender's requests for the workload, in rounds taken in turn (each round in another order)."""
        runs = []  # (contender, its rounds, its request count, its number of rounds)
        for contender in CONTENDERS:
            request = self.checked_request(workload, size, contender, targets[contender.system])
            if request is None:
                continue
            concurrency, count = contender.concurrency or self.profile.concurrency, self.count(workload, size, contender)
            warm_up(request, self.profile.warmup(count), concurrency)
            runs.append((contender, Rounds(request, concurrency), count, max(1, min(ROUNDS, count // concurrency))))
        for r in range(ROUNDS):
            for contender, rounds, count, how_many in runs[r % len(runs) :] + runs[: r % len(runs)]:
                if r < how_many:
                    rounds.run(count * (r + 1) // how_many - count * r // how_many)
        for contender, rounds, _, _ in runs:
            row = report.Row(workload, size, contender.name, rounds.measurement())
            self.rows.append(row)
            m = row.measurement
            progress(
                f"  {row.label:<22} {contender.name:<18} p50 {m.p50_ms:8.2f} ms  p99 {m.p99_ms:8.2f} ms"
                f"  {m.rps:8.1f} req/s  (others used {m.others_cpu:.0%} of the CPU)"
            )


@contextmanager
def all_running(systems: list) -> Iterator[dict[str, Target]]:
    """Every system's ``running()``, entered at once and left at once: one after another, starting
    and stopping them took a third of a short run. The pool's threads outlive the systems: a process
    started by ``stack.Process`` gets SIGTERM when the thread that started it ends (PR_SET_PDEATHSIG)."""
    contexts = {system.name: system.running() for system in systems}
    with ThreadPoolExecutor(len(contexts)) as pool:
        entering = {name: pool.submit(context.__enter__) for name, context in contexts.items()}
        wait(entering.values())
        try:
            yield {name: future.result() for name, future in entering.items()}
        finally:
            started = [name for name, future in entering.items() if future.exception() is None]
            for leaving in [pool.submit(contexts[name].__exit__, None, None, None) for name in started]:
                leaving.result()


def run_all(profile: Profile, scratch: Path) -> Bench:
    product = Product(scratch, profile.users, profile.orders)
    graphenes = [Graphene(scratch, product), Graphene(scratch, product, guarded=True)]
    systems = [product, Monolith(scratch, profile.users, profile.orders), Rest(scratch, product), *graphenes]
    progress(
        f"Seeding {profile.users} users and {profile.orders} orders for the product and the monolith, "
        "and starting " + ", ".join(system.name for system in systems)
    )
    started = time.monotonic()
    bench = Bench(profile)
    with all_running(systems) as targets:
        progress(f"All running after {time.monotonic() - started:.0f} s")
        for graphene in graphenes:
            targets[graphene.name] = with_ours_token(targets[graphene.name], targets["product"])
        for size in SIZES:
            bench.run("orders", size, targets)
        bench.run("_entities", ENTITY_BATCH, targets)
        bench.run("createOrder", 1, targets)
    return bench


def report_failure(scratch: Path) -> None:
    """After a failed run: each log's lines that tell of an error, before the logs go with the scratch dir."""
    for log in sorted(scratch.rglob("*.log")):
        lines = [line for line in log.read_text(errors="replace").splitlines() if ERROR_LINE.search(line)]
        if lines:
            progress(f"--- {log.name} (lines telling of an error, the last {min(len(lines), 20)}):")
            progress("\n".join(lines[-20:]))


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
        try:
            bench = run_all(profile, Path(scratch))
        except BaseException:
            report_failure(Path(scratch))
            raise
    elapsed = time.monotonic() - started
    about = {
        "run": (
            f"Run on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC in {elapsed:.0f} s: {profile.users} users, "
            f"{profile.orders} orders; {profile.concurrency} concurrent connections unless said otherwise; "
            f"per workload a fixed number of requests (column requests), after a tenth as many to warm up, "
            f"in up to {ROUNDS} rounds alternating between the contenders."
        ),
        "concurrency": profile.concurrency,
        "machine": report.machine(),
        "contenders": {c.name: c.what for c in CONTENDERS},
    }
    report.write(args.results, bench.rows, SIZES, profile.concurrency, about, bench.answers)
    subprocess.run([str(TOOLS_PYTHON), str(ROOT / "bench" / "plot.py"), str(args.results / "latest.json")], check=True)
    print(report.table(bench.rows, profile.concurrency))
    print()
    print(report.router_table(bench.rows, SIZES))
    print()
    print("\n".join(report.targets(bench.rows, SIZES)))
    print(f"\nWritten to {args.results}/latest.md (and .json, .png) in {elapsed:.0f} s")


if __name__ == "__main__":
    main()
