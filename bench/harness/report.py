"""The results: the table with ratios against ours, the issue's targets, and the files in bench/results/."""

import json
import os
import platform
import sqlite3
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from harness.load import Measurement
from harness.systems import GRAPHENE_BIN, NODE, ROOT, SUPERGRAPH_DIR

OURS, MONOLITH, REST, GRAPHENE, GRAPHENE_GUARDED = "ours", "monolith", "REST, old way", "graphene", "graphene, guarded"
OURS_ALONE, NO_ROUTER = "ours, 1 connection", "ours, no router"  # one request at a time


@dataclass(frozen=True)
class Row:
    workload: str  # "orders", "_entities" or "createOrder"
    size: int  # orders per request, entities per batch, or 1
    contender: str
    measurement: Measurement

    @property
    def label(self) -> str:
        if self.workload == "orders":
            return f"orders N={self.size}"
        if self.workload == "_entities":
            return f"_entities, {self.size} users"
        return self.workload


def _find(rows: list[Row], workload: str, size: int, contender: str) -> Measurement | None:
    return next((r.measurement for r in rows if (r.workload, r.size, r.contender) == (workload, size, contender)), None)


def _ms(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def table(rows: list[Row], concurrency: int) -> str:
    """The rows measured at ``concurrency``, in Markdown (readable as it is on a terminal).

    Ratios are the contender's over ours; "others' CPU" is the share of the machine that
    processes outside the benchmark used while it measured (high: the numbers are noisy).
    """
    lines = [
        "| workload | contender | requests | p50 ms | p99 ms | req/s | p50 ÷ ours | req/s ÷ ours | others' CPU |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        m, ours = row.measurement, _find(rows, row.workload, row.size, OURS)
        if m.concurrency != concurrency:
            continue
        cells = [
            row.label,
            row.contender,
            str(m.requests),
            _ms(m.p50_ms),
            _ms(m.p99_ms),
            f"{m.rps:.1f}",
            f"{m.p50_ms / ours.p50_ms:.2f}×",
            f"{m.rps / ours.rps:.2f}×",
            f"{m.others_cpu:.0%}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def router_table(rows: list[Row], sizes: tuple[int, ...]) -> str:
    """Ours and the same query plan without the router, one request at a time."""
    lines = [
        "| workload | ours p50 ms | no router p50 ms | router overhead ms | ours p99 ms | no router p99 ms | others' CPU |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for n in sizes:
        ours, direct = _find(rows, "orders", n, OURS_ALONE), _find(rows, "orders", n, NO_ROUTER)
        cells = [
            f"orders N={n}",
            _ms(ours.p50_ms),
            _ms(direct.p50_ms),
            f"{ours.p50_ms - direct.p50_ms:+.2f}",
            _ms(ours.p99_ms),
            _ms(direct.p99_ms),
            f"{max(ours.others_cpu, direct.others_cpu):.0%}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _verdict(met: bool) -> str:
    return "**met**" if met else "**MISSED**"


def targets(rows: list[Row], sizes: tuple[int, ...]) -> list[str]:
    """The issue's targets, each judged on p50 latencies from this run."""

    def p50(contender: str, size: int) -> float:
        return _find(rows, "orders", size, contender).p50_ms

    against_monolith = p50(OURS, 100) / p50(MONOLITH, 100)
    rest_speedup = p50(REST, 100) / p50(OURS, 100)
    graphene = {n: p50(GRAPHENE, n) / p50(OURS, n) for n in sizes}
    guarded = {n: p50(GRAPHENE_GUARDED, n) / p50(OURS, n) for n in sizes}
    overhead = {n: p50(OURS_ALONE, n) - p50(NO_ROUTER, n) for n in sizes}
    return [
        f"Ours vs monolith at N=100: ours takes {against_monolith:.2f}× the monolith's p50 (target ≤ 1.5×): "
        + _verdict(against_monolith <= 1.5),
        f"Ours vs REST, old way at N=100: ours is {rest_speedup:.1f}× faster at p50 (target ≥ 20×): "
        + _verdict(rest_speedup >= 20),
        "Ours vs graphene, faster at every N (graphene p50 ÷ ours): "
        + ", ".join(f"N={n} {ratio:.2f}×" for n, ratio in graphene.items())
        + ": "
        + _verdict(all(ratio > 1 for ratio in graphene.values())),
        "Ours vs graphene, guarded, faster at every N (graphene, guarded p50 ÷ ours; the like-for-like reading:"
        " both run the product's middleware, though graphene's rows are not filtered by owner): "
        + ", ".join(f"N={n} {ratio:.2f}×" for n, ratio in guarded.items())
        + ": "
        + _verdict(all(ratio > 1 for ratio in guarded.values())),
        "Router overhead (ours p50 − the same plan run without the router, one request at a time; ≤ 2 ms): "
        + ", ".join(f"N={n} {ms:+.2f} ms {_verdict(ms <= 2)}" for n, ms in overhead.items()),
    ]


def _run(command: list[str], cwd: Path = ROOT) -> str:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()


def _versions(packages: list[str], python: Path | None = None) -> str:
    """``name version, ...`` as installed for ``python`` (by default this interpreter)."""
    script = "import sys; from importlib import metadata as m; print(', '.join(f'{p} {m.version(p)}' for p in sys.argv[1:]))"
    return _run([str(python or sys.executable), "-c", script, *packages])


def _node_package(name: str) -> str:
    package = json.loads((SUPERGRAPH_DIR / "node_modules" / name / "package.json").read_text())
    return f"{name} {package['version']}"


def _proc_field(path: str, name: str) -> str:
    """The value of ``name`` in /proc/cpuinfo or /proc/meminfo."""
    return next(line.split(":", 1)[1].strip() for line in Path(path).read_text().splitlines() if line.startswith(name))


def machine() -> dict[str, str]:
    memory_gib = int(_proc_field("/proc/meminfo", "MemTotal").split()[0]) / 2**20
    # The results of an earlier run are not a change to what is measured.
    dirty = " with uncommitted changes" if _run(["git", "status", "--porcelain", "--", ".", ":!bench/results"]) else ""
    return {
        "CPU": f"{_proc_field('/proc/cpuinfo', 'model name')}, {os.cpu_count()} cores",
        "memory": f"{memory_gib:.1f} GiB",
        "system": platform.platform(),
        "runtimes": f"Python {platform.python_version()}, Node {_run([NODE, '--version'])}, SQLite {sqlite3.sqlite_version}",
        "product": _versions(["Django", "strawberry-graphql", "strawberry-graphql-django", "graphql-core", "gunicorn"]),
        "router": f"{_node_package('@graphql-hive/gateway')}, {_node_package('@graphql-hive/router-runtime')}",
        "graphene peer": _versions(["graphene", "graphene-django", "graphene-federation", "graphql-core"], GRAPHENE_BIN / "python"),
        "commit": _run(["git", "rev-parse", "--short", "HEAD"]) + dirty,
    }


def write(
    results_dir: Path, rows: list[Row], sizes: tuple[int, ...], concurrency: int, about: dict, answers: dict
) -> None:
    """latest.json (everything, for the plot and the record) and latest.md (for people)."""
    results_dir.mkdir(parents=True, exist_ok=True)
    record = {"about": about, "rows": [{**asdict(r), "label": r.label} for r in rows], "answers": answers}
    (results_dir / "latest.json").write_text(json.dumps(record, indent=1) + "\n")
    lines = [
        "# Benchmark results (`make bench`)",
        "",
        f"{about['run']}",
        "",
        "## Machine and versions",
        "",
        *(f"- {key}: {value}" for key, value in about["machine"].items()),
        "",
        "## Contenders",
        "",
        *(f"- **{name}**: {what}" for name, what in about["contenders"].items()),
        "",
        f"## Results ({concurrency} concurrent connections)",
        "",
        "Ratios are the contender's over ours: p50 ÷ ours above 1 is slower than ours, req/s ÷ ours above 1 is more "
        "throughput. Others' CPU: the share of the machine that processes outside the benchmark took meanwhile.",
        "",
        table(rows, concurrency),
        "",
        "## Router overhead (one request at a time)",
        "",
        router_table(rows, sizes),
        "",
        "## Targets",
        "",
        *(f"- {line}" for line in targets(rows, sizes)),
        "",
        "![p50 and p99 latency against the number of orders per request](latest.png)",
        "",
    ]
    (results_dir / "latest.md").write_text("\n".join(lines))
