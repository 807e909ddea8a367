"""What the contenders run on, started on 127.0.0.1 with free ports.

- product: the product itself, started by its own ``scripts/stack.py`` Stack, and
  entered as its staff demo user (orders are shown to their owner and to staff);
- monolith: the monolith project (also serving the raw SQL floor), its own database;
- rest, graphene, graphene-guarded: the peer services, on the product's three databases (which
  they first touch at their first request, so they can start while the product's Stack prepares
  them); graphene-guarded is graphene with the product's own middleware.

Every service runs under the gunicorn command line of the product's Stack; each
system's data comes from ``federation_kit.demo``, so every contender has the same rows.
``running()`` yields the system's :class:`Target`.
"""

import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import yaml

from federation_kit.demo import DEMO_PASSWORD, demo_user
from federation_kit.signature import signed_headers
from harness.workloads import Target

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from stack import DEFAULT_PORTS, NODE, READY_TIMEOUT, ROUTER_COMMAND, SERVICES, SUPERGRAPH_DIR, Process, Stack, free_port, router_env  # noqa: E402

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


LOGIN = "mutation($username: String!, $password: String!) { login(username: $username, password: $password) { token } }"


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
        # All at once: each takes about a second to stop, and nothing depends on the order.
        with ThreadPoolExecutor(len(processes)) as pool:
            list(pool.map(Process.stop, processes))


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
        self.stack.create_databases()
        for service in SERVICES:
            self.stack.prepare(service)

    @contextmanager
    def running(self) -> Iterator[Target]:
        self.stack.start()
        try:
            yield Target(self.urls, token=self._staff_token(), hmac_secret=self.stack.hmac_secret)
        finally:
            self.stack.stop()

    def _staff_token(self) -> str:
        """Logged in through the router as demo user 1, who is staff."""
        variables = {"username": demo_user(1).username, "password": DEMO_PASSWORD}
        answer = httpx.post(self.urls["router"], json={"query": LOGIN, "variables": variables}).raise_for_status()
        return answer.json()["data"]["login"]["token"]


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

    @contextmanager
    def running(self) -> Iterator[Target]:
        """Seeded, then started."""
        self.seed()
        with running([self.process]):
            yield Target(self.urls)


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

    @contextmanager
    def running(self) -> Iterator[Target]:
        with running(self.processes):
            yield Target(self.urls)


class Graphene:
    """The graphene subgraphs on the product's databases, composed and served by the same router.

    ``guarded``: with the product's own middleware too (PRODUCT_MIDDLEWARE, where ours has it), given
    what ours is given for it, so that the router's signature and the caller's token are checked.
    """

    def __init__(self, scratch: Path, product: Product, guarded: bool = False) -> None:
        self.name = "graphene-guarded" if guarded else "graphene"
        self.product, self.guarded = product, guarded
        self.work_dir = scratch / self.name
        self.work_dir.mkdir()
        ports = {name: free_port() for name in ("router", *SERVICES)}
        self.subgraph_urls = {name: f"{base_url(ports[name])}/graphql" for name in SERVICES}
        self.router_port = ports["router"]
        self.urls = {"router": f"{base_url(self.router_port)}/graphql", "users": self.subgraph_urls["users"]}
        # The product's router signs every subgraph request: it needs a secret, which the guarded
        # subgraphs check and the bare ones ignore.
        self.hmac_secret = secrets.token_urlsafe(32) if guarded else "unchecked-by-the-graphene-subgraphs"
        self.subgraphs = []
        for name in SERVICES:
            env = self.subgraph_env(name, product.database(name), self.subgraph_urls["users"])
            if guarded:
                env.update(self._product_middleware_env(name))
            command = gunicorn_command(GRAPHENE_BIN / "gunicorn", "graphene_peer.wsgi", ports[name])
            health = f"{base_url(ports[name])}/health"
            log = scratch / f"{self.name}-{name}.log"
            self.subgraphs.append(Process(f"{self.name}-{name}", command, PEERS / "graphene", env, health, log))
        # The product's router as the product runs it, but for its config.
        self.router = Process(
            f"{self.name}-router",
            ROUTER_COMMAND,
            SUPERGRAPH_DIR,
            router_env(self.work_dir / "router-config.yaml", self.hmac_secret),
            f"{base_url(self.router_port)}/readiness",
            scratch / f"{self.name}-router.log",
        )

    @staticmethod
    def subgraph_env(name: str, database: Path, users_url: str) -> dict[str, str]:
        """The environment of the graphene subgraph ``name`` (run from PEERS / "graphene")."""
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "graphene_peer.settings",
            "GRAPHENE_SERVICE": name,
            "PYTHONPATH": python_path(ROOT / "subgraphs" / name, ROOT / "subgraphs" / "federation_kit"),
            "DATABASE_URL": f"sqlite:///{database}",
            "USERS_SERVICE_URL": users_url,
            "PYTHONUNBUFFERED": "1",
        }

    def _product_middleware_env(self, name: str) -> dict[str, str]:
        """What the product's own middleware needs, as ours is given it (stack.Stack.service_env): this
        router's secret, and the keys of ours' users service, which issued the token clients send."""
        ours = self.product.stack.service_env(name)
        keys = {key: ours[key] for key in ("JWT_JWKS_URL", "JWT_KEYS_DIR")}
        return {"GRAPHENE_PRODUCT_MIDDLEWARE": "1", "ROUTER_HMAC_SECRET": self.hmac_secret, **keys}

    @contextmanager
    def running(self) -> Iterator[Target]:
        with running(self.subgraphs):
            self._compose()
            with running([self.router]):
                # The guarded subgraphs answer signed requests only, as ours: the client signs what it sends them.
                yield Target(self.urls, hmac_secret=self.hmac_secret if self.guarded else None)

    def _compose(self) -> None:
        """Compose the subgraphs' own SDL (``_service``) with the product's compose.mjs, and configure the router."""
        subgraphs = {}
        body = json.dumps({"query": "{ _service { sdl } }"}).encode()
        for name, url in self.subgraph_urls.items():
            answer = httpx.post(url, content=body, headers=signed_headers(self.hmac_secret, body)).raise_for_status()
            sdl = answer.json()["data"]["_service"]["sdl"]
            (self.work_dir / f"{name}.graphql").write_text(sdl)
            subgraphs[name] = {"routing_url": url, "schema": {"file": f"{name}.graphql"}}
        supergraph_yaml = self.work_dir / "supergraph.yaml"
        supergraph_yaml.write_text(yaml.safe_dump({"federation_version": "=2.9.0", "subgraphs": subgraphs}))
        subprocess.run([NODE, "compose.mjs", "--config", str(supergraph_yaml)], cwd=SUPERGRAPH_DIR, check=True)
        # The product's router-config.yaml, for this router's port, supergraph and subgraphs.
        config = yaml.safe_load((ROOT / "router-config.yaml").read_text())
        config["listen"]["port"] = self.router_port
        # Verifies the product's tokens: clients send graphene the token they send ours (see run.py).
        config["auth"]["jwks_url"] = self.product.stack.jwks_url
        config["supergraph"] = str(self.work_dir / "supergraph.graphql")
        config["subgraphs"] = {name: {"url": url} for name, url in self.subgraph_urls.items()}
        (self.work_dir / "router-config.yaml").write_text(yaml.safe_dump(config))
