"""What the contenders run on, started on 127.0.0.1 with free ports and stopped in order.

- product: the product itself, started by its own ``scripts/stack.py`` Stack;
- monolith: the monolith project (also serving the raw SQL floor), its own database;
- rest, graphene: the peer services, on the product's three databases.

Every service runs under the gunicorn command line of the product's Stack; each
system's data comes from ``federation_kit.demo``, so every contender has the same rows.
"""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from stack import DEFAULT_PORTS, READY_TIMEOUT, SERVICES, SUPERGRAPH_DIR, Process, Stack, free_port  # noqa: E402

PEERS = ROOT / "bench" / "peers"
PRODUCT_BIN = Path(sys.executable).parent  # the harness runs in the product's .venv
GRAPHENE_BIN = ROOT / "bench" / ".venv-graphene" / "bin"


def gunicorn_command(gunicorn: Path, wsgi: str, port: int) -> list[str]:
    """The product Stack's gunicorn command line for another app: same workers, threads, timeouts and logs."""
    ours = Stack(ports={**DEFAULT_PORTS, "users": port}).service_process("users").command
    return [str(gunicorn), wsgi, *ours[2:]]


def python_path(*directories: Path) -> str:
    return os.pathsep.join([*map(str, directories), *filter(None, [os.environ.get("PYTHONPATH")])])


def base_url(port: int) -> str:
    return f"http://127.0.0.1:{port}"


@contextmanager
def running(processes: list[Process]) -> Iterator[None]:
    try:
        for process in processes:
            process.start()
        deadline = time.monotonic() + READY_TIMEOUT
        for process in processes:
            process.wait_ready(deadline)
        yield
    finally:
        for process in reversed(processes):
            process.stop()


class Product:
    """Ours: three services and the router, exactly as the product's Stack runs them."""

    name = "product"

    def __init__(self, scratch: Path, users: int, orders: int) -> None:
        self.data_dir = scratch / "product"
        self.data_dir.mkdir()
        self.stack = Stack(
            ports={name: free_port() for name in ("router", *SERVICES)},
            data_dir=self.data_dir,
            log_dir=scratch,
            demo_users=users,
            demo_orders=orders,
        )
        self.urls = {name: self.stack.url(name) for name in ("router", *SERVICES)}

    def database(self, service: str) -> Path:
        return self.data_dir / f"{service}.sqlite3"

    def seed(self) -> None:
        for service in SERVICES:
            self.stack.prepare(service)

    @contextmanager
    def running(self) -> Iterator[None]:
        self.stack.start()
        try:
            yield
        finally:
            self.stack.stop()


class Monolith:
    """One project, one database: the monolith's /graphql and the raw floor's /raw/orders."""

    name = "monolith"

    def __init__(self, scratch: Path, users: int, orders: int) -> None:
        self.users, self.orders = users, orders
        port = free_port()
        self.urls = {"graphql": f"{base_url(port)}/graphql", "raw": f"{base_url(port)}/raw/orders"}
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "monolith.settings",
            "DATABASE_URL": f"sqlite:///{scratch / 'monolith.sqlite3'}",
            "PYTHONUNBUFFERED": "1",
        }
        command = gunicorn_command(PRODUCT_BIN / "gunicorn", "monolith.wsgi", port)
        self.process = Process(
            "monolith", command, PEERS / "monolith", self.env, f"{base_url(port)}/health", scratch / "monolith.log"
        )

    def seed(self) -> None:
        manage = [str(PRODUCT_BIN / "python"), "manage.py"]
        cwd = PEERS / "monolith"
        subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], cwd=cwd, env=self.env, check=True)
        seed = ["--users", str(self.users), "--orders", str(self.orders)]
        subprocess.run([*manage, "seed_demo", *seed], cwd=cwd, env=self.env, check=True)

    def running(self):
        return running([self.process])


class Rest:
    """The old way: one JSON service per product service, on the product's databases."""

    name = "rest"

    def __init__(self, scratch: Path, product: Product) -> None:
        ports = {name: free_port() for name in SERVICES}
        self.urls = {"orders": f"{base_url(ports['orders'])}/orders"}
        self.processes = []
        for name in SERVICES:
            env = {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "rest_peer.settings",
                "REST_SERVICE": name,
                "PYTHONPATH": python_path(ROOT / "subgraphs" / name),
                "DATABASE_URL": f"sqlite:///{product.database(name)}",
                "USERS_API_URL": base_url(ports["users"]),
                "PAYMENTS_API_URL": base_url(ports["payments"]),
                "PYTHONUNBUFFERED": "1",
            }
            command = gunicorn_command(PRODUCT_BIN / "gunicorn", "rest_peer.wsgi", ports[name])
            health = f"{base_url(ports[name])}/health"
            self.processes.append(Process(f"rest-{name}", command, PEERS / "rest", env, health, scratch / f"rest-{name}.log"))

    def running(self):
        return running(self.processes)


class Graphene:
    """The graphene subgraphs on the product's databases, composed and served by the same router."""

    name = "graphene"

    def __init__(self, scratch: Path, product: Product) -> None:
        self.work_dir = scratch / "graphene"
        self.work_dir.mkdir()
        ports = {name: free_port() for name in ("router", *SERVICES)}
        self.subgraph_urls = {name: f"{base_url(ports[name])}/graphql" for name in SERVICES}
        self.router_port = ports["router"]
        self.urls = {"router": f"{base_url(self.router_port)}/graphql", "users": self.subgraph_urls["users"]}
        self.subgraphs = []
        for name in SERVICES:
            env = {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "graphene_peer.settings",
                "GRAPHENE_SERVICE": name,
                "PYTHONPATH": python_path(ROOT / "subgraphs" / name, ROOT / "subgraphs" / "federation_kit"),
                "DATABASE_URL": f"sqlite:///{product.database(name)}",
                "USERS_SERVICE_URL": self.subgraph_urls["users"],
                "PYTHONUNBUFFERED": "1",
            }
            command = gunicorn_command(GRAPHENE_BIN / "gunicorn", "graphene_peer.wsgi", ports[name])
            health = f"{base_url(ports[name])}/health"
            log = scratch / f"graphene-{name}.log"
            self.subgraphs.append(Process(f"graphene-{name}", command, PEERS / "graphene", env, health, log))
        router_env = {**os.environ, "ROUTER_CONFIG": str(self.work_dir / "router-config.yaml")}
        self.router = Process(
            "graphene-router",
            [str(SUPERGRAPH_DIR / "node_modules" / ".bin" / "hive-gateway"), "supergraph"],
            SUPERGRAPH_DIR,
            router_env,
            f"{base_url(self.router_port)}/readiness",
            scratch / "graphene-router.log",
        )

    @contextmanager
    def running(self) -> Iterator[None]:
        with running(self.subgraphs):
            self._compose()
            with running([self.router]):
                yield

    def _compose(self) -> None:
        """Compose the subgraphs' own SDL (``_service``) with the product's compose.mjs, and configure the router."""
        subgraphs = {}
        for name, url in self.subgraph_urls.items():
            sdl = httpx.post(url, json={"query": "{ _service { sdl } }"}).raise_for_status().json()["data"]["_service"]["sdl"]
            (self.work_dir / f"{name}.graphql").write_text(sdl)
            subgraphs[name] = {"routing_url": url, "schema": {"file": f"{name}.graphql"}}
        supergraph_yaml = self.work_dir / "supergraph.yaml"
        supergraph_yaml.write_text(yaml.safe_dump({"federation_version": "=2.9.0", "subgraphs": subgraphs}))
        subprocess.run(["node", "compose.mjs", "--config", str(supergraph_yaml)], cwd=SUPERGRAPH_DIR, check=True)
        # The product's router-config.yaml, for this router's port, supergraph and subgraphs.
        config = yaml.safe_load((ROOT / "router-config.yaml").read_text())
        config["listen"]["port"] = self.router_port
        config["supergraph"] = str(self.work_dir / "supergraph.graphql")
        config["subgraphs"] = {name: {"url": url} for name, url in self.subgraph_urls.items()}
        (self.work_dir / "router-config.yaml").write_text(yaml.safe_dump(config))
