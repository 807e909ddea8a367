"""Draws latest.png from latest.json: p50 and p99 latency against the number of orders per request.

Run with bench/.venv-tools/bin/python (matplotlib stays out of the product's .venv).
"""

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(results_json: Path) -> None:
    rows = [r for r in json.loads(results_json.read_text())["rows"] if r["workload"] == "orders"]
    figure, axes = plt.subplots(figsize=(9, 6))
    for contender in dict.fromkeys(r["contender"] for r in rows):
        own = sorted((r for r in rows if r["contender"] == contender), key=lambda r: r["size"])
        sizes = [r["size"] for r in own]
        (line,) = axes.plot(sizes, [r["measurement"]["p50_ms"] for r in own], marker="o", label=f"{contender} p50")
        axes.plot(sizes, [r["measurement"]["p99_ms"] for r in own], linestyle=":", color=line.get_color(), label=f"{contender} p99")
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("orders per request (N)")
    axes.set_ylabel("latency (ms)")
    axes.set_title("Orders with their user and payments: latency against result size")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize="small", ncol=2)
    figure.tight_layout()
    figure.savefig(results_json.with_suffix(".png"), dpi=120)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
