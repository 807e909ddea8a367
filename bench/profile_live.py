"""Where ours spends its time under the benchmark's load: py-spy samples the three services'
gunicorn workers while the load generator sends the orders query for N orders through the router.

    .venv/bin/python bench/profile_live.py [--n 100] [--seconds 20] [--orders 10000]
    .venv/bin/python bench/profile_live.py --create-order   # the createOrder mutation instead
    .venv/bin/python bench/profile_live.py --n 1 --graphene  # and graphene's, in CPU ms a request

The product runs as in ``make bench`` (its Stack, the staff user, 4 connections). Only samples
of a thread holding the GIL are kept (``py-spy --gil``), so the shares are of CPU time, not of
waiting. Per service it prints the share of that time by the package of the function running,
the share of some parts of a request (a sample counts in each part on its stack), and the
functions that used the most CPU themselves. ``--graphene`` also samples graphene's subgraphs
(behind the same router, on the same data), in rounds alternating with ours', and prints, per
service, the CPU milliseconds a request by package for both: where ours spends more than its peer.
"""

import argparse
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import nullcontext
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from harness.load import warm_up  # noqa: E402
from harness.systems import SERVICES, Graphene, Product  # noqa: E402
from harness.workloads import CONTENDERS, with_ours_token  # noqa: E402

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
    **dict.fromkeys(("graphene", "graphene_django", "graphene_federation", "graphene_peer"), "graphene, graphene-django, graphene-federation (the peer)"),
    "<string>": "generated code (dataclass __init__, lambdas)",
}
# Parts of a request, each recognised by a frame anywhere on the stack (so they may overlap).
AREAS = {
    "GraphQL parse": r"graphql/language/parser\.py",
    "GraphQL validation": r"graphql/validation/",
    "router signature check": r"federation_kit/signature\.py",
    "JWT verification": r"federation_kit/tokens\.py|\(jwt/",
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


def stacks_of(directory: Path, service: str) -> Counter:
    """py-spy's raw samples of one service, over all the rounds sampled into ``directory``."""
    stacks = Counter()
    for raw in sorted(directory.glob(f"{service}.*.txt")):
        for line in raw.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            stacks[stack] += int(count)
    return stacks


def samples_by_function(stacks: Counter) -> Counter:
    """Samples by the function running (the stack's last frame)."""
    own = Counter()
    for stack, count in stacks.items():
        own[stack.rsplit(";", 1)[-1]] += count
    return own


def samples_by_package(own: Counter) -> Counter:
    by_package = Counter()
    for frame, count in own.items():
        by_package[package(frame)] += count
    return by_package


def summary(service: str, stacks: Counter, top: int) -> str:
    total = sum(stacks.values()) or 1
    own = samples_by_function(stacks)
    by_package = samples_by_package(own)
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


def spy(pids: dict[str, int], directory: Path, label: str, request, seconds: int, args) -> int:
    """py-spy on each service's gunicorn while ``request`` is driven; how many requests were sent."""
    warm_up(request, 40, args.concurrency)
    spies = []
    for service, pid in pids.items():
        command = [str(PY_SPY), "record", "--pid", str(pid), "--subprocesses", "--gil", "--nolineno", "--rate", str(args.rate)]
        command += ["--duration", str(seconds), "--format", "raw", "--output", str(directory / f"{service}.{label}.txt")]
        spies.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    sent = drive(request, seconds, args.concurrency)
    for process in spies:
        process.wait()
    return sent


def milliseconds_by_package(stacks: Counter, rate: int, sent: int) -> Counter:
    """CPU milliseconds a request by package: a sample holding the GIL stands for 1/rate s of CPU."""
    by_package = samples_by_package(samples_by_function(stacks))
    return Counter({name: count / rate / sent * 1000 for name, count in by_package.items()})


def comparison(service: str, ours: Counter, graphene: Counter) -> str:
    lines = [f"### {service}: CPU ms a request holding the GIL, ours against graphene's", ""]
    lines += ["| CPU spent in | ours | graphene | ours − graphene |", "| --- | ---: | ---: | ---: |"]
    for name, _ in (ours + graphene).most_common():
        lines.append(f"| {name} | {ours[name]:.2f} | {graphene[name]:.2f} | {ours[name] - graphene[name]:+.2f} |")
    total_ours, total_graphene = sum(ours.values()), sum(graphene.values())
    lines.append(f"| **all** | {total_ours:.2f} | {total_graphene:.2f} | {total_ours - total_graphene:+.2f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100, help="orders per request")
    parser.add_argument("--seconds", type=int, default=20, help="how long to sample (each system, with --graphene)")
    parser.add_argument("--orders", type=int, default=10_000, help="demo orders in the databases")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--top", type=int, default=15, help="functions listed per service")
    parser.add_argument("--rate", type=int, default=200, help="samples per second")
    parser.add_argument("--raw", type=Path, help="keep py-spy's raw stacks (<system>/<service>.<round>.txt) in this directory")
    parser.add_argument("--create-order", action="store_true", help="send createOrder instead of the orders query")
    parser.add_argument("--graphene", action="store_true", help="graphene's subgraphs too, in alternating rounds, and compare")
    parser.add_argument("--rounds", type=int, default=4, help="with --graphene: rounds, each system sampled seconds/rounds a round")
    args = parser.parse_args()
    contenders = {contender.name: contender for contender in CONTENDERS}

    def request_for(contender, target):
        return contender.create_order(target) if args.create_order else contender.orders(target, args.n)

    with tempfile.TemporaryDirectory(prefix="bench-profile-") as scratch:
        # Not scratch/graphene itself: that is the graphene system's own work directory.
        raws = {system: (args.raw or Path(scratch) / "py-spy") / system for system in ("ours", "graphene") if system == "ours" or args.graphene}
        for directory in raws.values():
            directory.mkdir(parents=True, exist_ok=True)
        product = Product(Path(scratch), USERS, args.orders)
        graphene = Graphene(Path(scratch), product) if args.graphene else None
        sent = Counter()
        with product.running() as ours_target, graphene.running() if graphene else nullcontext() as graphene_target:
            # system: (its subgraphs' pids, its request)
            systems = {"ours": ({s: product.stack.processes[s].popen.pid for s in SERVICES}, request_for(contenders["ours"], ours_target))}
            if graphene:
                # Alternating, so that the machine's changing speed weighs on both alike.
                pids = {service: process.popen.pid for service, process in zip(SERVICES, graphene.subgraphs)}
                systems["graphene"] = (pids, request_for(contenders["graphene"], with_ours_token(graphene_target, ours_target)))
            rounds = args.rounds if graphene else 1
            for turn in range(rounds):
                for system, (pids, request) in systems.items():
                    sent[system] += spy(pids, raws[system], str(turn), request, max(1, args.seconds // rounds), args)
        workload = "createOrder" if args.create_order else f"orders N={args.n}"
        print(f"## ours, {workload}: {sent['ours']} requests in {args.seconds} s at {args.concurrency} connections\n")
        print("\n\n".join(summary(service, stacks_of(raws["ours"], service), args.top) for service in SERVICES))
        if graphene:
            print(f"\n## ours against graphene, {workload}: {sent['graphene']} graphene requests in {args.seconds} s, {rounds} alternating rounds\n")
            tables = []
            for service in SERVICES:
                ours_ms, graphene_ms = (milliseconds_by_package(stacks_of(raws[s], service), args.rate, sent[s]) for s in ("ours", "graphene"))
                tables.append(comparison(service, ours_ms, graphene_ms))
            print("\n\n".join(tables))


if __name__ == "__main__":
    main()
