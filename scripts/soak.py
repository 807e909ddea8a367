"""Sustained load through the router: mixed reads and writes at fixed concurrency for a fixed time.

Starts the whole product with ``Stack`` (free ports, a temporary directory, the default demo data),
logs in through the router, then runs ``--concurrency`` clients for ``--duration`` seconds, each
sending a fixed mix of operations one after the other:

- reads as staff: the README's orders query, a user with their orders, a single order with its
  payments (answered by all three services);
- writes as a customer: ``createOrder`` for themselves, then ``payOrder`` in small parts with a
  fresh idempotency key each time (never more than is due).

It reports requests, errors (any HTTP status but 200, any GraphQL error, any exception: there
must be none), p50/p99 latency overall and per operation, and the resident memory (RSS) of every
process at start and end: each service is its gunicorn master plus workers, the router is node.
Memory is measured after a warm-up (``--warmup`` seconds of the same load, not counted), so
that first-use caches are not taken for growth. A process group may grow by at most
``--max-growth-mib`` MiB or ``--max-growth-pct`` % of its start, whichever is larger.

Exit status 1 on any error, on memory growth beyond the bound, or when nothing was sent.
The summary goes to stdout and to ``bench/results/soak-latest.md``.

    python scripts/soak.py --duration 300 --concurrency 8 [--db postgres]
"""

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import httpx
import psutil

from federation_kit.demo import DEMO_ORDERS, DEMO_PASSWORD, DEMO_USERS, demo_user
from stack import ROOT, SERVICES, Stack, free_port

RESULTS = ROOT / "bench" / "results" / "soak-latest.md"
MIB = 1024 * 1024

LOGIN = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }"
# The README's example query, as it is there.
README_ORDERS = (
    "{ orders(pagination: {limit: 2}) { id total currency user { id username } payments { amount status } paymentStatus } }"
)
USER_WITH_ORDERS = "query($id: ID!) { user(id: $id) { username orders { id total paymentStatus } } }"
SINGLE_ORDER = (
    "query($id: ID!) { order(id: $id) { id status total currency items { sku quantity unitPrice } "
    "user { username } payments { amount status } amountPaid amountDue paymentStatus } }"
)
CREATE_ORDER = "mutation($input: CreateOrderInput!) { createOrder(input: $input) { id total } }"
PAY_ORDER = "mutation($input: PayOrderInput!) { payOrder(input: $input) { id amount order { id amountDue } } }"

# Operation mix, out of 20: 13 reads, 7 writes.
MIX = ["orders"] * 5 + ["user"] * 4 + ["order"] * 4 + ["createOrder"] * 3 + ["payOrder"] * 4
PAYMENT = Decimal("5.00")  # each created order totals 20.00: four payments pay it in full


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter = field(default_factory=Counter)
    error_samples: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, operation: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.latencies[operation].append(seconds)
            if error:
                self.errors[operation] += 1
                if len(self.error_samples) < 10:
                    self.error_samples.append(f"{operation}: {error}")

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values())


class Client:
    """One virtual user: a staff token for reads, a customer token for its own writes."""

    def __init__(self, url: str, staff: str, customer: str, customer_id: int, seed: int) -> None:
        self.url = url
        self.http = httpx.Client(timeout=30)
        self.staff = {"Authorization": f"Bearer {staff}"}
        self.customer = {"Authorization": f"Bearer {customer}"}
        self.customer_id = customer_id
        self.random = random.Random(seed)
        self.unpaid: list[tuple[str, Decimal]] = []  # (order id, amount still due) of orders this client created

    def request(self, query: str, variables: dict, headers: dict) -> tuple[dict | None, str | None]:
        response = self.http.post(self.url, json={"query": query, "variables": variables}, headers=headers)
        if response.status_code != 200:
            return None, f"HTTP {response.status_code}: {response.text[:300]}"
        body = response.json()
        if body.get("errors"):
            return body, f"errors: {str(body['errors'])[:300]}"
        return body, None

    def step(self, operation: str) -> tuple[str, str | None]:
        if operation == "payOrder" and not self.unpaid:
            operation = "createOrder"
        if operation == "orders":
            return operation, self.request(README_ORDERS, {}, self.staff)[1]
        if operation == "user":
            return operation, self.request(USER_WITH_ORDERS, {"id": str(self.random.randint(1, DEMO_USERS))}, self.staff)[1]
        if operation == "order":
            return operation, self.request(SINGLE_ORDER, {"id": str(self.random.randint(1, DEMO_ORDERS))}, self.staff)[1]
        if operation == "createOrder":
            items = [{"sku": "SOAK-1", "name": "Soak test item", "quantity": 2, "unitPrice": "10.00"}]
            variables = {"input": {"userId": str(self.customer_id), "currency": "EUR", "items": items}}
            body, error = self.request(CREATE_ORDER, variables, self.customer)
            if not error:
                order = body["data"]["createOrder"]
                self.unpaid.append((order["id"], Decimal(order["total"])))
            return operation, error
        order_id, due = self.unpaid.pop(0)
        variables = {
            "input": {"orderId": order_id, "amount": str(PAYMENT), "method": "CARD", "idempotencyKey": f"soak-{uuid.uuid4()}"}
        }
        body, error = self.request(PAY_ORDER, variables, self.customer)
        if not error and due - PAYMENT > 0:
            self.unpaid.append((order_id, due - PAYMENT))
        return operation, error

    def run(self, deadline: float, results: Results | None) -> None:
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                operation, error = self.step(self.random.choice(MIX))
            except Exception as exc:  # noqa: BLE001  (a refused connection, a timeout, a bad body: all are errors)
                operation, error = "exception", repr(exc)
            if results is not None:
                results.record(operation, time.perf_counter() - started, error)


def rss_by_process(stack: Stack) -> dict[str, int]:
    """Resident memory of each process group: a service's gunicorn master and workers; the router's node."""
    sizes = {}
    for name, process in stack.processes.items():
        root = psutil.Process(process.popen.pid)
        members = [root, *root.children(recursive=True)]
        total = 0
        for member in members:
            try:
                total += member.memory_info().rss
            except psutil.NoSuchProcess:
                pass
        sizes[name] = total
    return sizes


def login(url: str, user_id: int) -> str:
    response = httpx.post(url, json={"query": LOGIN, "variables": {"u": demo_user(user_id).username, "p": DEMO_PASSWORD}}, timeout=30)
    response.raise_for_status()
    return response.json()["data"]["login"]["token"]


def run_load(clients: list[Client], seconds: float, results: Results | None) -> None:
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=c.run, args=(deadline, results), daemon=True) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 60)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=1000, method="inclusive")[int(q * 1000) - 1]


def git_revision() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True)
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        return out.stdout.strip() + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def summary(args, results: Results, elapsed: float, rss_start, rss_end, samples, exited, failures: list[str]) -> str:
    everything = [s for values in results.latencies.values() for s in values]
    verdict = "PASS" if not failures else "FAIL"
    lines = [
        "# Soak test: sustained mixed load through the router",
        "",
        f"**{verdict}**" + ("" if not failures else ": " + "; ".join(failures)),
        "",
        f"- when: {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M:%S UTC')}, commit {git_revision()}",
        f"- machine: {os.cpu_count()} CPUs, {psutil.virtual_memory().total // MIB} MiB, {platform.python_implementation()} {platform.python_version()}",
        f"- load: {args.concurrency} concurrent clients for {args.duration:g} s (after {args.warmup:g} s of warm-up), database {args.db}",
        "- mix (out of 20): 5 README orders query, 4 user with orders, 4 single order (reads, as staff);"
        " 3 createOrder, 4 payOrder with a fresh idempotency key (writes, as customers)",
        "",
        "| | requests | errors | req/s | p50 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|",
        f"| **all** | {len(everything)} | {sum(results.errors.values())} | {len(everything) / elapsed:.1f} "
        f"| {percentile(everything, 0.50) * 1000:.1f} | {percentile(everything, 0.99) * 1000:.1f} |",
    ]
    for operation in sorted(results.latencies):
        values = results.latencies[operation]
        lines.append(
            f"| {operation} | {len(values)} | {results.errors[operation]} | {len(values) / elapsed:.1f} "
            f"| {percentile(values, 0.50) * 1000:.1f} | {percentile(values, 0.99) * 1000:.1f} |"
        )
    lines += [
        "",
        f"Resident memory (RSS), services = gunicorn master + workers; bound: growth at most "
        f"{args.max_growth_mib:g} MiB or {args.max_growth_pct:g} % of the start, whichever is larger.",
        "",
        "| process | start MiB | end MiB | growth MiB | growth % | peak MiB | bound MiB | |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name in rss_start:
        if name in exited:
            lines.append(f"| {name} | | | | | | | **exited with code {exited[name]}** |")
            continue
        start, end = rss_start[name] / MIB, rss_end[name] / MIB
        bound = max(args.max_growth_mib, start * args.max_growth_pct / 100)
        peak = max(sample[name] for sample in samples) / MIB
        ok = "ok" if end - start <= bound else "**too much**"
        lines.append(
            f"| {name} | {start:.1f} | {end:.1f} | {end - start:+.1f} | {(end - start) / start * 100:+.1f} | {peak:.1f} | {bound:.1f} | {ok} |"
        )
    if results.error_samples:
        lines += ["", "First errors:", "", *(f"- `{sample}`" for sample in results.error_samples)]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=300, help="seconds of measured load (default 300)")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--warmup", type=float, default=5, help="seconds of unmeasured load first (default 5)")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--max-growth-mib", type=float, default=48, help="allowed RSS growth per process group, MiB")
    parser.add_argument("--max-growth-pct", type=float, default=25, help="allowed RSS growth per process group, %% of start")
    parser.add_argument("--sample-every", type=float, default=2, help="seconds between RSS samples")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="soak-"))
    stack = Stack(
        ports={name: free_port() for name in ("router", *SERVICES)}, data_dir=data_dir, database=args.db, log_dir=data_dir
    )
    print(f"soak: starting the stack ({args.db}) in {data_dir}", flush=True)
    stack.start()
    try:
        url = stack.url("router")
        staff = login(url, 1)
        customers = [(user_id, login(url, user_id)) for user_id in range(2, 2 + min(args.concurrency, DEMO_USERS - 1))]
        clients = []
        for i in range(args.concurrency):
            customer_id, customer_token = customers[i % len(customers)]
            clients.append(Client(url, staff, customer_token, customer_id, seed=i))
        print(f"soak: warm-up {args.warmup:g} s, then {args.concurrency} clients for {args.duration:g} s", flush=True)
        run_load(clients, args.warmup, None)

        rss_start = rss_by_process(stack)
        samples = [rss_start]
        results = Results()
        started = time.monotonic()
        load = threading.Thread(target=run_load, args=(clients, args.duration, results))
        load.start()
        while load.is_alive():
            load.join(args.sample_every)
            samples.append(rss_by_process(stack))
        elapsed = time.monotonic() - started
        rss_end = rss_by_process(stack)
        samples.append(rss_end)
        # A process that died has no memory to measure: name it, with its log, rather than a 0 MiB row.
        exited = {name: process.popen.returncode for name, process in stack.processes.items() if process.popen.poll() is not None}
    finally:
        logs = {name: process.log_tail(20) for name, process in stack.processes.items()}
        stack.stop()

    failures = [f"{name} exited with code {code}" for name, code in exited.items()]
    if results.requests == 0:
        failures.append("no request was sent")
    if errors := sum(results.errors.values()):
        failures.append(f"{errors} errors")
    for name in (name for name in rss_start if name not in exited):
        growth, bound = rss_end[name] - rss_start[name], max(args.max_growth_mib * MIB, rss_start[name] * args.max_growth_pct / 100)
        if growth > bound:
            failures.append(f"{name} grew by {growth / MIB:.1f} MiB (bound {bound / MIB:.1f} MiB)")
    report = summary(args, results, elapsed, rss_start, rss_end, samples, exited, failures)
    print(report, flush=True)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report)
    print(f"soak: summary written to {args.output}", flush=True)
    for name, tail in logs.items():
        if errors or name in exited:  # errors: any process may say why; an exit: that process
            print(f"--- last lines of {name}'s log\n{tail}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
