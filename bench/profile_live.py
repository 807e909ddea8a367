"""Where ours spends its time under the benchmark's load: py-spy samples the three services'
gunicorn workers while the load generator sends the orders query for N orders through the router.

    .venv/bin/python bench/profile_live.py [--n 100] [--seconds 20] [--orders 10000]
    .venv/bin/python bench/profile_live.py --create-order   # the createOrder mutation instead

The product runs as in ``make bench`` (its Stack, the staff user, 4 connections). Only samples
of a thread holding the GIL are kept (``py-spy --gil``), so the shares are of CPU time, not of
waiting. Per service it prints the share of that time by the package of the function running,
the share of some parts of a request (a sample counts in each part on its stack), and the
functions that used the most CPU themselves.
"""

import argparse
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from harness.load import warm_up  # noqa: E402
from harness.systems import SERVICES, Product  # noqa: E402
from harness.workloads import CONTENDERS  # noqa: E402

PY_SPY = BENCH / ".venv-tools" / "bin" / "py-spy"
USERS = 1000

# Where a sample's CPU goes, by the package of the function running (the stack's last frame).
# py-spy's raw format: one "stack count" line per distinct stack, frames "function (file)", outermost first.
PACKAGES = {
    "graphql": "graphql-core (parse, validate, execute)",
    "strawberry": "Strawberry",
    "strawberry_django": "strawberry-django (optimizer, fields)",
    "django/db": "Django ORM and sqlite3",
    "django": "Django (handler, middleware, request, response)",
    "federation_kit": "federation_kit (signature, JWT, batching, observability)",
    "accounts": "the services' own code",
    "orders": "the services' own code",
    "payments": "the services' own code",
    "json": "json",
    "logging": "logging",
    "gunicorn": "gunicorn",
    "<string>": "generated code (dataclass __init__, lambdas)",
}
# Parts of a request, each recognised by a frame anywhere on the stack (so they may overlap).
AREAS = {
    "GraphQL parse": r"graphql/language/parser\.py",
    "GraphQL validation": r"graphql/validation/",
    "router signature check": r"federation_kit/signature\.py",
    "JWT verification": r"federation_kit/auth\.py|\(jwt/",
    "logging (access log, request log)": r"\(logging/|gunicorn/glogging\.py",
    "Django ORM: building and running SQL": r"execute_sql \(django/db/models/sql/compiler\.py\)",
    "Django ORM: model instances": r"from_db \(django/db/models/base\.py\)",
    "entity batching (federation_kit)": r"federation_kit/batching\.py",
    "JSON: request decode": r"\(json/decoder\.py\)",
    "JSON: response encode": r"\(json/encoder\.py\)",
    "Decimal and datetime to JSON": r"base_scalars\.py|isoformat|_pydecimal|decimal",
}


def package(frame: str) -> str:
    path = frame[frame.rfind("(") + 1 : -1]
    for prefix, name in PACKAGES.items():
        if path.startswith(prefix + "/") or path == prefix:
            return name
    return "other (Python's standard library)"


def drive(request, seconds: float, concurrency: int) -> int:
    """The request, ``concurrency`` at a time, for about ``seconds``; how many were sent."""
    sent, deadline = 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        warm_up(request, 20, concurrency)
        sent += 20
    return sent


def summary(service: str, raw: Path, top: int) -> str:
    stacks = Counter()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        stacks[stack] += int(count)
    total = sum(stacks.values()) or 1
    own, by_package = Counter(), Counter()
    for stack, count in stacks.items():
        leaf = stack.rsplit(";", 1)[-1]
        own[leaf] += count
        by_package[package(leaf)] += count
    lines = [f"### {service}: {total} samples holding the GIL", ""]
    lines += ["| CPU spent in | share |", "| --- | ---: |"]
    lines += [f"| {name} | {count / total:.0%} |" for name, count in by_package.most_common()]
    lines += ["", "| part of the request (overlapping) | share |", "| --- | ---: |"]
    for area, pattern in AREAS.items():
        found = re.compile(pattern)
        lines.append(f"| {area} | {sum(c for stack, c in stacks.items() if found.search(stack)) / total:.0%} |")
    lines += ["", "| function (itself) | share |", "| --- | ---: |"]
    lines += [f"| `{frame}` | {count / total:.1%} |" for frame, count in own.most_common(top)]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100, help="orders per request")
    parser.add_argument("--seconds", type=int, default=20, help="how long to sample")
    parser.add_argument("--orders", type=int, default=10_000, help="demo orders in the databases")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--top", type=int, default=15, help="functions listed per service")
    parser.add_argument("--rate", type=int, default=200, help="samples per second")
    parser.add_argument("--raw", type=Path, help="keep py-spy's raw stacks (<service>.txt) in this directory")
    parser.add_argument("--create-order", action="store_true", help="send createOrder instead of the orders query")
    args = parser.parse_args()
    ours = next(contender for contender in CONTENDERS if contender.name == "ours")

    if args.raw:
        args.raw.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as scratch:
        product = Product(Path(scratch), USERS, args.orders)
        with product.running() as target:
            request = ours.create_order(target) if args.create_order else ours.orders(target, args.n)
            warm_up(request, 40, args.concurrency)
            spies = []
            for service in SERVICES:
                pid = str(product.stack.processes[service].popen.pid)
                raw = (args.raw or Path(scratch)) / f"{service}.txt"
                command = [str(PY_SPY), "record", "--pid", pid, "--subprocesses", "--gil", "--nolineno", "--rate", str(args.rate)]
                command += ["--duration", str(args.seconds), "--format", "raw", "--output", str(raw)]
                spies.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            sent = drive(request, args.seconds, args.concurrency)
            for spy in spies:
                spy.wait()
        workload = "createOrder" if args.create_order else f"orders N={args.n}"
        print(f"## ours, {workload}: {sent} requests in {args.seconds} s at {args.concurrency} connections\n")
        raws = args.raw or Path(scratch)
        print("\n\n".join(summary(service, raws / f"{service}.txt", args.top) for service in SERVICES))


if __name__ == "__main__":
    main()
