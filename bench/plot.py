"""Draws latest.png from latest.json: p50 (solid) and p99 (dotted) latency against the number
of orders per request; under load on the left, one request at a time (the router's overhead) on the right.

Run with bench/.venv-tools/bin/python (matplotlib stays out of the product's .venv).
"""

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def draw(axes, rows: list[dict], title: str) -> None:
    for contender in dict.fromkeys(r["contender"] for r in rows):
        own = sorted((r for r in rows if r["contender"] == contender), key=lambda r: r["size"])
        sizes = [r["size"] for r in own]
        (line,) = axes.plot(sizes, [r["measurement"]["p50_ms"] for r in own], marker="o", label=f"{contender} p50")
        axes.plot(sizes, [r["measurement"]["p99_ms"] for r in own], linestyle=":", color=line.get_color())
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("orders per request (N)")
    axes.set_ylabel("latency (ms); dotted: p99")
    axes.set_title(title, fontsize="medium")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize="small")


def main(results_json: Path) -> None:
    results = json.loads(results_json.read_text())
    concurrency = results["about"]["concurrency"]
    rows = [r for r in results["rows"] if r["workload"] == "orders"]
    figure, (loaded, alone) = plt.subplots(1, 2, figsize=(13, 6))
    draw(loaded, [r for r in rows if r["measurement"]["concurrency"] == concurrency], f"{concurrency} concurrent connections")
    draw(alone, [r for r in rows if r["measurement"]["concurrency"] != concurrency], "one request at a time")
    figure.suptitle("Orders with their user and payments: latency against result size")
    figure.tight_layout()
    figure.savefig(results_json.with_suffix(".png"), dpi=110)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
