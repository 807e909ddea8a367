"""End-to-end fixtures: the real services and router, on free ports, with fresh databases."""

import os
import sys
import threading
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

from stack import SERVICES, Stack, free_port  # noqa: E402

from federation_kit.demo import DEMO_ORDERS, DEMO_PASSWORD, DEMO_USERS, demo_user  # noqa: E402  (`make dev`'s data)


# `make test` runs this suite twice: on SQLite files and on a real PostgreSQL cluster.
E2E_DB = os.environ.get("E2E_DB", "sqlite")


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("data")
    stack = Stack(
        ports={name: free_port() for name in ("router", *SERVICES)},
        data_dir=data_dir,
        database=E2E_DB,
        log_dir=data_dir,
        demo_users=DEMO_USERS,
        demo_orders=DEMO_ORDERS,
        # A message a killed worker held comes back within seconds (tests/test_events.py), not minutes.
        extra_env={"DEPENDENCY_TIMEOUT": "5", "CELERY_VISIBILITY_TIMEOUT": "5"},
    )
    stack.start()
    yield stack
    stack.stop()


LOGIN = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token user { id } } }"


class ClientPerThread:
    """An httpx.Client for each thread that asks (tests send from several): httpcore's pool, shared
    by threads, can close a connection it has just handed to another thread's request
    (encode/httpcore#1110, seen as "Bad file descriptor")."""

    def __init__(self, **options) -> None:
        self._options = options
        self._local = threading.local()

    def get(self) -> httpx.Client:
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = httpx.Client(**self._options)
        return client


class Router:
    """A client of the supergraph, as a frontend would be: anonymous, or logged in with a token."""

    def __init__(self, url: str, token: str | None = None) -> None:
        self.url = url
        self.token = token
        self._clients = ClientPerThread(timeout=30, headers={"Authorization": f"Bearer {token}"} if token else {})

    @property
    def http(self) -> httpx.Client:
        return self._clients.get()

    def post(self, query: str, variables: dict | None = None) -> httpx.Response:
        return self.http.post(self.url, json={"query": query, "variables": variables or {}})

    def __call__(self, query: str, variables: dict | None = None) -> dict:
        response = self.post(query, variables)
        assert response.status_code == 200, response.text
        return response.json()

    def login(self, user_id: int) -> "Router":
        body = self(LOGIN, {"u": demo_user(user_id).username, "p": DEMO_PASSWORD})
        return Router(self.url, body["data"]["login"]["token"])


@pytest.fixture(scope="session")
def anonymous(stack):
    return Router(stack.url("router"))


@pytest.fixture(scope="session")
def router(anonymous):
    """Logged in as staff (demo user 1), who may see and do everything."""
    return anonymous.login(1)


def error_codes(body: dict) -> list[str]:
    return [error.get("extensions", {}).get("code") for error in body.get("errors", [])]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failure, show the last lines each process logged."""
    report = yield
    stack = item.funcargs.get("stack")
    if report.failed and stack is not None:
        for name, process in stack.processes.items():
            report.sections.append((f"{name} log", process.log_tail()))
    return report
