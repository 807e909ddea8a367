"""Run the whole product locally: the three services and the router, as real processes.

With them, what carries events between the services (federation_kit.outbox, docs/events.md):
Redis (scripts/redis_server.py), an outbox relay per service that emits events and a Celery
worker per service that consumes them.

``make dev`` runs this in the foreground (Ctrl-C stops everything); the end-to-end tests
import :class:`Stack` to start the same processes on free ports with fresh databases.

Each service is migrated and given demo data (left alone when it has data) before it
starts under gunicorn, the production server of the Dockerfiles.
"""

import argparse
import ctypes
import functools
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml

from federation_kit.demo import DEMO_ORDERS, DEMO_PASSWORD, DEMO_USERS, demo_user
from postgres import PostgresCluster
from redis_server import RedisServer

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
SUPERGRAPH_DIR = ROOT / "supergraph"
# The Node.js the router runs on (ROUTER_COMMAND names it) and the frontend's npm finds on PATH:
# the one pinned in supergraph/nodejs/ where npm has a build for this machine, else the machine's
# own, as the Makefile puts them on PATH.
PINNED_NODE_BIN = SUPERGRAPH_DIR / "nodejs" / "node_modules" / ".bin"
PATH_WITH_NODE = os.pathsep.join([str(PINNED_NODE_BIN), os.environ.get("PATH", os.defpath)])
NODE = shutil.which("node", path=PATH_WITH_NODE) or "node"
ROUTER_COMMAND = [NODE, str(SUPERGRAPH_DIR / "node_modules" / ".bin" / "hive-gateway"), "supergraph"]
SERVICES = ("users", "orders", "payments")
DEFAULT_PORTS = {"router": 4000, "users": 4001, "orders": 4002, "payments": 4003, "redis": 6380}  # not 6379: a system Redis may be there
EMITTERS = ("users", "payments")  # services with OUTBOX_ROUTES in their settings: a relay each
CONSUMERS = ("orders", "users")  # services whose Celery worker handles events (orders/tasks.py, accounts/tasks.py)
READY_TIMEOUT = 60


_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the stack's process dies, however it dies (Linux)."""
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def check_ports_free(ports: dict[str, int]) -> None:
    """Fail early and clearly when another process (another `make dev`?) holds one of our ports."""
    for name, port in ports.items():
        with socket.socket() as sock:
            # As the servers do: a port left in TIME_WAIT by the last run is free, a listener is not.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                raise RuntimeError(f"port {port} for {name} is in use: is another `make dev` running?") from None


_ports_handed_out: set[int] = set()


@functools.cache
def _ports_outside_the_ephemeral_range() -> list[int]:
    low, high = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    return [*range(20000, low), *range(high + 1, 65536)]


def free_port() -> int:
    """A port for one of this run's servers, free until that server binds it.

    Not bind(0): that hands out a port of the kernel's ephemeral range and releases it at once,
    so the next free_port() or any outgoing connection may take it before the server starts (CI
    once saw the payments service find its port taken). So: a port outside the ephemeral range,
    which outgoing connections never use, that nothing listens on, never handed out twice here.
    """
    candidates = _ports_outside_the_ephemeral_range()
    while True:
        port = random.choice(candidates)
        if port in _ports_handed_out:
            continue
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers bind
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _ports_handed_out.add(port)
        return port


@dataclass
class Process:
    name: str
    command: list[str]
    cwd: Path
    env: dict[str, str]
    ready_url: str | None  # None: ready once started (workers, relays), or when ``ready()`` says so
    log_path: Path | None
    popen: subprocess.Popen | None = None
    ready: Callable[[], bool] | None = None

    def start(self) -> None:
        output = open(self.log_path, "ab") if self.log_path else subprocess.PIPE  # noqa: SIM115
        self.popen = subprocess.Popen(
            self.command,
            cwd=self.cwd,
            env=self.env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # our own process group: Ctrl-C reaches us, and we stop it in order
            preexec_fn=_die_with_parent,  # and no process outlives us if we are killed
        )
        if self.log_path:
            output.close()
        else:
            threading.Thread(target=self._relay_output, daemon=True).start()

    def _relay_output(self) -> None:
        for line in self.popen.stdout:
            sys.stdout.write(f"{self.name:>14} | {line.decode(errors='replace')}")
            sys.stdout.flush()

    def wait_ready(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(f"{self.name} exited with code {self.popen.returncode}\n{self.log_tail()}")
            if self.ready is not None:
                if self.ready():
                    return
            elif self.ready_url is None:
                return
            else:
                try:
                    if httpx.get(self.ready_url, timeout=2).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} was not ready at {self.ready_url} after {READY_TIMEOUT}s\n{self.log_tail()}")

    def stop(self, timeout: float = 10) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def router_env(router_config: Path, hmac_secret: str) -> dict[str, str]:
    """The router's environment, as its image sets it (supergraph/Dockerfile). The heap bounds:
    without them, V8 lets garbage pile up to a share of the machine's memory before collecting it.
    Production: graphql-js skips its development checks (4% of the router's CPU at 1,000 orders)."""
    return {
        "NODE_ENV": "production",
        "NODE_OPTIONS": "--max-old-space-size=384 --max-semi-space-size=16",
        **os.environ,
        "ROUTER_CONFIG": str(router_config),
        "ROUTER_HMAC_SECRET": hmac_secret,
    }


@dataclass
class Stack:
    """The services and the router.

    ``database``: "sqlite" (a file per service: in ``data_dir``, or each service's own
    db.sqlite3 when None) or "postgres" (a throwaway cluster, one database per service).
    """

    ports: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PORTS))
    data_dir: Path | None = None
    database: str = "sqlite"
    log_dir: Path | None = None
    demo_users: int = DEMO_USERS
    demo_orders: int = DEMO_ORDERS
    extra_env: dict[str, str] = field(default_factory=dict)
    cors_origins: list[str] = field(default_factory=list)  # allowed besides router-config.yaml's
    processes: dict[str, Process] = field(default_factory=dict)
    # A fresh secret per run: the router signs subgraph requests with it, the subgraphs check.
    hmac_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    postgres: PostgresCluster | None = None
    database_urls: dict[str, str] = field(default_factory=dict)
    # Where the router reaches a subgraph, when not at the service itself (e.g. a fault proxy),
    # and router-config.yaml keys replaced for this stack (e.g. {"limits": {...}}).
    router_subgraph_urls: dict[str, str] = field(default_factory=dict)
    router_overrides: dict = field(default_factory=dict)
    frontend: bool = False  # the example app under Vite on 127.0.0.1:5173 (make dev)
    redis: RedisServer | None = None

    def __post_init__(self) -> None:
        self.ports.setdefault("redis", free_port())

    @property
    def email_dir(self) -> Path:
        """Where the users service writes the emails it sends (Django's file backend)."""
        return (self.data_dir or ROOT / "subgraphs" / "users" / "var") / "emails"

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}/graphql"

    @property
    def jwks_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['users']}/.well-known/jwks.json"

    def service_env(self, name: str) -> dict[str, str]:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": f"{name}_service.settings",
            "ROUTER_HMAC_SECRET": self.hmac_secret,
            "JWT_JWKS_URL": self.jwks_url,
            "USERS_SERVICE_URL": self.url("users"),
            "ORDERS_SERVICE_URL": self.url("orders"),
            "PAYMENTS_SERVICE_URL": self.url("payments"),
            "PYTHONUNBUFFERED": "1",  # log lines (access log included) appear as they happen
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{self.ports['redis']}/0",
            "EMAIL_FILE_PATH": str(self.email_dir),
            **self.extra_env,
        }
        if name in self.database_urls:
            env["DATABASE_URL"] = self.database_urls[name]
        if self.data_dir:
            env["JWT_KEYS_DIR"] = str(self.data_dir / "jwt-keys")
        return env

    def create_databases(self) -> None:
        if self.database == "postgres":
            self.postgres = PostgresCluster(free_port()).start()
            self.database_urls = {name: self.postgres.create_database(name) for name in SERVICES}
        elif self.data_dir:
            self.database_urls = {name: f"sqlite:///{self.data_dir / f'{name}.sqlite3'}" for name in SERVICES}

    def prepare(self, name: str) -> None:
        manage = [str(VENV_BIN / "python"), "manage.py"]
        cwd, env = ROOT / "subgraphs" / name, self.service_env(name)
        subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], cwd=cwd, env=env, check=True)
        if name == "users":
            subprocess.run([*manage, "rotate_jwt_key", "--if-missing"], cwd=cwd, env=env, check=True)
        seed = ["--orders", str(self.demo_orders), "--users", str(self.demo_users)]
        subprocess.run([*manage, "seed_demo", *(seed if name != "users" else seed[2:])], cwd=cwd, env=env, check=True)

    def service_process(self, name: str) -> Process:
        port = self.ports[name]
        command = [
            str(VENV_BIN / "gunicorn"), f"{name}_service.wsgi",
            "--bind", f"127.0.0.1:{port}", "--workers", "2",
            "--config", "python:federation_kit.gunicorn_config",
        ]  # fmt: skip
        return Process(
            name, command, ROOT / "subgraphs" / name, self.service_env(name),
            f"http://127.0.0.1:{port}/health", self.log_dir / f"{name}.log" if self.log_dir else None,
        )  # fmt: skip

    def redis_process(self) -> Process:
        self.redis = self.redis or RedisServer(self.ports["redis"])
        return Process(
            "redis", self.redis.command(), self.redis.dir, dict(os.environ), None,
            self.log_dir / "redis.log" if self.log_dir else None, ready=self.redis.ping,
        )  # fmt: skip

    def relay_process(self, name: str) -> Process:
        """Publishes the service's outbox to Redis (manage.py relay_outbox)."""
        return Process(
            f"{name}-relay", [str(VENV_BIN / "python"), "manage.py", "relay_outbox"], ROOT / "subgraphs" / name,
            self.service_env(name), None, self.log_dir / f"{name}-relay.log" if self.log_dir else None,
        )  # fmt: skip

    def worker_process(self, name: str) -> Process:
        """Handles the events routed to the service's queue (named after it)."""
        command = [
            str(VENV_BIN / "celery"), "-A", f"{name}_service", "worker", "--queues", name, "--hostname", f"{name}@%h",
            "--concurrency", "2", "--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        return Process(
            f"{name}-worker", command, ROOT / "subgraphs" / name, self.service_env(name), None,
            self.log_dir / f"{name}-worker.log" if self.log_dir else None,
        )  # fmt: skip

    def router_config(self) -> Path:
        """router-config.yaml as committed, but for this stack's ports (the file itself when they are the defaults)."""
        committed = ROOT / "router-config.yaml"
        if self.ports == DEFAULT_PORTS and not (self.cors_origins or self.router_subgraph_urls or self.router_overrides):
            return committed
        config = yaml.safe_load(committed.read_text())
        config["listen"]["port"] = self.ports["router"]
        config["auth"]["jwks_url"] = self.jwks_url
        config["supergraph"] = str(SUPERGRAPH_DIR / "supergraph.graphql")
        config["subgraphs"] = {name: {"url": self.router_subgraph_urls.get(name, self.url(name))} for name in SERVICES}
        config["cors"]["origins"] += self.cors_origins
        config.update(self.router_overrides)
        path = Path(tempfile.mkstemp(prefix="router-config-", suffix=".yaml", dir=self.log_dir)[1])
        path.write_text(yaml.safe_dump(config))
        return path

    def router_process(self) -> Process:
        return Process(
            "router", ROUTER_COMMAND, SUPERGRAPH_DIR, router_env(self.router_config(), self.hmac_secret),
            f"http://127.0.0.1:{self.ports['router']}/readiness", self.log_dir / "router.log" if self.log_dir else None,
        )  # fmt: skip

    def frontend_process(self) -> Process:
        env = {**os.environ, "PATH": PATH_WITH_NODE, "VITE_ROUTER_URL": self.url("router")}
        return Process(
            "frontend", ["npm", "run", "dev"], ROOT / "frontend-example", env,
            "http://127.0.0.1:5173/", self.log_dir / "frontend.log" if self.log_dir else None,
        )  # fmt: skip

    def start(self) -> None:
        ports = {**self.ports, **({"frontend": 5173} if self.frontend else {})}
        check_ports_free(ports)
        try:
            self.create_databases()
            for name in SERVICES:
                self.prepare(name)
            self.processes["redis"] = self.redis_process()
            for name in SERVICES:
                self.processes[name] = self.service_process(name)
            for name in EMITTERS:
                self.processes[f"{name}-relay"] = self.relay_process(name)
            for name in CONSUMERS:
                self.processes[f"{name}-worker"] = self.worker_process(name)
            self.processes["router"] = self.router_process()
            if self.frontend:
                self.processes["frontend"] = self.frontend_process()
            for process in self.processes.values():
                process.start()
            deadline = time.monotonic() + READY_TIMEOUT
            for process in self.processes.values():
                process.wait_ready(deadline)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        for process in reversed(self.processes.values()):
            process.stop()
        if self.postgres:
            self.postgres.stop()
        if self.redis:
            self.redis.cleanup()

    def stop_process(self, name: str) -> None:
        self.processes[name].stop()

    def reconfigure_router(self, subgraph_urls: dict[str, str], overrides: dict) -> None:
        """Restart the router with other subgraph URLs and config keys (empty: as at start)."""
        self.router_subgraph_urls, self.router_overrides = subgraph_urls, overrides
        self.processes["router"].stop()
        self.processes["router"] = router = self.router_process()
        router.start()
        router.wait_ready(time.monotonic() + READY_TIMEOUT)

    def restart_process(self, name: str) -> None:
        process = self.processes[name]
        process.stop()
        process.start()
        process.wait_ready(time.monotonic() + READY_TIMEOUT)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=DEMO_ORDERS, help="demo orders to load into empty databases")
    parser.add_argument("--users", type=int, default=DEMO_USERS, help="demo users to load into empty databases")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite", help="postgres: a throwaway cluster")
    parser.add_argument("--frontend", action="store_true", help="also the example app (frontend-example/) under Vite")
    args = parser.parse_args()
    # Development only: each subgraph's own GraphiQL, which cannot sign its requests like the router.
    dev_env = {"GRAPHIQL": "1", "ALLOW_UNSIGNED_REQUESTS": "1"}
    stack = Stack(
        demo_orders=args.orders, demo_users=args.users, database=args.db, frontend=args.frontend, extra_env=dev_env
    )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        stack.start()
        print(
            "\nDjango Supergraph is running (Ctrl-C stops everything):\n"
            + ("  frontend  http://127.0.0.1:5173/\n" if args.frontend else "")
            + f"  router    {stack.url('router')}   (Hive Laboratory in a browser; readiness at /readiness)\n"
            + "".join(f"  {name:<9} {stack.url(name)}\n" for name in SERVICES)
            + f"  events    {stack.redis.url} (relays: {', '.join(EMITTERS)}; workers: {', '.join(CONSUMERS)})\n"
            + f"  emails    {stack.email_dir}/ (what the users service sends)\n"
            + f"\nDemo logins (password {DEMO_PASSWORD!r}): {demo_user(1).username} (staff), "
            f"{demo_user(2).username}, ... {demo_user(args.users).username}\n",
            flush=True,
        )
        while all(p.popen.poll() is None for p in stack.processes.values()):
            time.sleep(0.5)
        stopped = [p.name for p in stack.processes.values() if p.popen.poll() is not None]
        sys.exit(f"{', '.join(stopped)} stopped; stopping the rest")
    except KeyboardInterrupt:
        print("\nstopping...", flush=True)
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
