"""`make check-schema` must catch a subgraph whose code and committed SDL disagree."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def check(service: str, sdl_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "subgraph_schema", "--check", str(sdl_path)],
        cwd=ROOT / "subgraphs" / service,
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize("service", ["users", "orders", "payments"])
def test_committed_schema_matches_the_code(service):
    result = check(service, ROOT / "schema" / f"{service}.graphql")
    assert result.returncode == 0, result.stderr


def test_drift_fails_naming_the_subgraph_and_the_fix(tmp_path):
    committed = (ROOT / "schema" / "orders.graphql").read_text()
    stale = tmp_path / "orders.graphql"
    stale.write_text(committed.replace("  currency: String!\n", "", 1))
    result = check("orders", stale)
    assert result.returncode == 1
    assert "out of date for the orders subgraph: run `make schema`" in result.stderr
    assert "+  currency: String!" in result.stderr


def test_drift_names_the_file_as_from_the_repository_root():
    stale = ROOT / "schema" / f"orders-drift-{os.getpid()}.graphql"  # in the repository, as the committed file is
    try:
        stale.write_text((ROOT / "schema" / "orders.graphql").read_text().replace("  currency: String!\n", "", 1))
        result = check("orders", Path("../..") / stale.relative_to(ROOT))  # as make passes it, from subgraphs/orders
    finally:
        stale.unlink()
    assert result.returncode == 1
    assert result.stderr.startswith(f"CommandError: schema/{stale.name} is out of date for the orders subgraph"), result.stderr
    assert f"--- schema/{stale.name} (on disk)" in result.stderr
