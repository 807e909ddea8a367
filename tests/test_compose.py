"""compose.yaml, checked without a Docker engine (`make check-compose`).

`docker-compose config` (Debian's docker-compose) validates the file and prints it resolved;
the checks below read that output: one PostgreSQL per service, only the router and the frontend
publish ports, secrets only from .env, every dependency waits for a healthy service, every build
context, Dockerfile, file a Dockerfile copies and file mounted exists, an outbox relay for each
service that emits events and a worker for each that consumes them (as the services' settings
route them), and the router's compose settings are router-config.yaml's with only the
deployment keys changed.

Not part of the end-to-end suite (it starts nothing): `make check-compose` runs it.
"""

import ast
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from stack import NODE

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "compose.yaml"
ENV_EXAMPLE = ROOT / ".env.example"
ROUTER_CONFIG = ROOT / "router-config.compose.yaml"
DOCKER_COMPOSE = os.environ.get("DOCKER_COMPOSE") or shutil.which("docker-compose")
if not DOCKER_COMPOSE:
    pytest.skip("docker-compose is not installed (`make check-compose` installs it)", allow_module_level=True)

SERVICES = ("users", "orders", "payments")
PUBLISHED = {"router", "frontend"}


def outbox_routes(service: str) -> dict[str, list[str]]:
    """The service's OUTBOX_ROUTES (event type -> consuming queues), read from its settings file."""
    tree = ast.parse((ROOT / "subgraphs" / service / f"{service}_service" / "settings.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["OUTBOX_ROUTES"]:
            return ast.literal_eval(node.value)
    return {}


# Who sends events and who handles them, as the code routes them: a relay per emitting service,
# a worker per consuming one (a queue is named after the service whose worker consumes it).
EMITTERS = {name for name in SERVICES if outbox_routes(name)}
CONSUMERS = {queue for name in SERVICES for queues in outbox_routes(name).values() for queue in queues}
# What each service waits for, healthy.
DEPENDENCIES = {
    "users-db": set(),
    "orders-db": set(),
    "payments-db": set(),
    "redis": set(),
    "users": {"users-db"},
    "orders": {"orders-db", "users"},
    "payments": {"payments-db", "users", "orders"},
    # After their service: its migrations have created the outbox tables.
    **{f"{name}-relay": {"redis", f"{name}-db", name} for name in EMITTERS},
    **{f"{name}-worker": {"redis", f"{name}-db", name} for name in CONSUMERS},
    "router": {"users", "orders", "payments"},
    "frontend": {"router"},
}
# Networks with a way out of the host, and who is on them: the published ports, and the SMTP
# server the users worker sends the welcome email to. Every other network is internal.
OUTSIDE = {"edge": {"router", "frontend"}, "mail": {"users-worker"}}
SERVICE_PORT = 8000  # where the Dockerfiles' gunicorn binds
# The keys router-config.compose.yaml may set differently from router-config.yaml.
DEPLOYMENT_KEYS = {"listen", "supergraph", "subgraphs", "cors", "auth.jwks_url", "graphiql", "introspection"}


def env_example() -> dict[str, str]:
    lines = [line for line in ENV_EXAMPLE.read_text().splitlines() if line.strip() and not line.startswith("#")]
    return dict(line.split("=", 1) for line in lines)


# What compose.yaml refuses to start without (`${NAME:?message}`): secrets and the mail settings.
REQUIRED = sorted(set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*):\?", COMPOSE.read_text())))


def compose_config(env: dict[str, str]) -> subprocess.CompletedProcess:
    with tempfile.NamedTemporaryFile("w", suffix=".env") as env_file:
        env_file.write("".join(f"{name}={value}\n" for name, value in env.items()))
        env_file.flush()
        return subprocess.run(
            [DOCKER_COMPOSE, "--project-directory", str(ROOT), "-f", str(COMPOSE), "--env-file", env_file.name, "config"],
            capture_output=True, text=True, cwd=ROOT, timeout=60,
            env={key: value for key, value in os.environ.items() if key not in env_example()},
        )  # fmt: skip


def filled_env() -> dict[str, str]:
    return {**env_example(), **{name: f"test-{name.lower().replace('_', '-')}-0123456789" for name in REQUIRED}}


@pytest.fixture(scope="module")
def config() -> dict:
    result = compose_config(filled_env())
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def test_the_example_env_file_names_secrets_without_values():
    assert {"ROUTER_HMAC_SECRET", "USERS_DJANGO_SECRET_KEY", "ORDERS_DJANGO_SECRET_KEY", "PAYMENTS_DJANGO_SECRET_KEY"} <= set(REQUIRED)
    assert {"USERS_DB_PASSWORD", "ORDERS_DB_PASSWORD", "PAYMENTS_DB_PASSWORD"} <= set(REQUIRED)
    # Every required variable is left empty in the example: no example secret ends up in use.
    assert {name: env_example().get(name) for name in REQUIRED} == dict.fromkeys(REQUIRED, "")
    # Every variable compose.yaml reads is in .env.example.
    used = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", COMPOSE.read_text()))
    assert used <= env_example().keys(), used - env_example().keys()


@pytest.mark.parametrize("name", REQUIRED)
def test_compose_refuses_to_run_without_each_required_setting(name):
    env = filled_env()
    env[name] = ""
    result = compose_config(env)
    assert result.returncode != 0
    assert f"set {name} in .env" in result.stderr


def test_env_files_with_secrets_are_not_committed():
    ignored = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=ROOT)
    assert ignored.returncode == 0, ".env must be in .gitignore"


def test_services_and_who_waits_for_whom(config):
    services = config["services"]
    assert set(services) == set(DEPENDENCIES)
    for name, needs in DEPENDENCIES.items():
        depends_on = services[name].get("depends_on", {})
        assert set(depends_on) == needs, name
        for dependency, condition in depends_on.items():
            assert condition == {"condition": "service_healthy"}, (name, dependency)


def mounts(service: dict) -> list[dict]:
    """A service's volumes in the long form (docker-compose v1 prints `source:target[:mode]`)."""
    long = []
    for volume in service.get("volumes", []):
        if isinstance(volume, str):
            source, target, *mode = volume.split(":")
            kind = "bind" if source.startswith(("/", ".")) else "volume"
            volume = {"type": kind, "source": source, "target": target, "read_only": mode == ["ro"]}
        long.append(volume)
    return long


def dockerfile(service: dict) -> Path:
    return Path(service["build"]["context"]) / service["build"].get("dockerfile", "Dockerfile")


def test_every_service_has_a_healthcheck(config):
    for name, service in config["services"].items():
        healthcheck = service.get("healthcheck")
        if healthcheck is None:
            # The image's own, which checks what the image runs by default, not another command.
            assert "build" in service and re.search(r"^HEALTHCHECK ", dockerfile(service).read_text(), re.M), name
            assert "command" not in service, f"{name} runs another command than its image's healthcheck checks"
        elif healthcheck.get("disable") or healthcheck.get("test") == ["NONE"]:  # (how docker-compose v1 prints disable)
            # Only a relay, the one process of its container, with nothing to ask (see compose.yaml).
            assert name in {f"{emitter}-relay" for emitter in EMITTERS}, name
        else:
            assert healthcheck["test"][0] in ("CMD", "CMD-SHELL"), name


def test_only_the_router_and_the_frontend_publish_ports(config):
    publishing = {name for name, service in config["services"].items() if service.get("ports")}
    assert publishing == PUBLISHED
    # A service's port reachable from the host would let anyone skip the router.
    for name, service in config["services"].items():
        assert not service.get("network_mode", "").startswith("host"), name
        assert not service.get("expose"), name


def test_only_the_edge_and_the_mail_networks_lead_out(config):
    services, networks = config["services"], config["networks"]
    for network, settings in networks.items():
        members = {name for name, service in services.items() if network in (service.get("networks") or {})}
        if network in OUTSIDE:
            assert members == OUTSIDE[network], network
        else:
            assert settings.get("internal") is True, f"{network} must be internal"


def test_one_database_server_per_service_on_its_own_network(config):
    services, networks = config["services"], config["networks"]
    volumes_used = []
    for name in SERVICES:
        database = services[f"{name}-db"]
        assert database["image"].startswith("postgres:")
        assert "pg_isready" in " ".join(database["healthcheck"]["test"])
        (volume,) = [v for v in mounts(database) if v["target"] == "/var/lib/postgresql/data"]
        assert volume["type"] == "volume" and volume["source"] in config["volumes"]
        volumes_used.append(volume["source"])
        # Its network joins it to its own service (and that service's relay and worker) only.
        (network,) = database["networks"]
        assert networks[network].get("internal") is True
        members = {other for other, s in services.items() if network in (s.get("networks") or {})}
        assert {f"{name}-db", name} <= members <= {f"{name}-db", name, f"{name}-relay", f"{name}-worker"}
        url = urlsplit(services[name]["environment"]["DATABASE_URL"])
        assert url.scheme == "postgres" and url.hostname == f"{name}-db"
    assert len(set(volumes_used)) == len(SERVICES)


def test_services_run_in_production_with_in_network_addresses(config):
    services = config["services"]
    for name in SERVICES:
        service = services[name]
        env = service["environment"]
        assert "DJANGO_ENV=production" in dockerfile(service).read_text()
        assert not {"DJANGO_ENV", "DJANGO_DEBUG", "ALLOW_UNSIGNED_REQUESTS", "GRAPHIQL"} & env.keys(), name
        assert env["DJANGO_SECRET_KEY"] and env["ROUTER_HMAC_SECRET"] == services["router"]["environment"]["ROUTER_HMAC_SECRET"]
        assert name in env["ALLOWED_HOSTS"].split(",")
        assert service.get("read_only") is True
        assert set(service["networks"]) == {"backend", f"{name}-data"}
        for key in ("JWT_JWKS_URL", "USERS_SERVICE_URL", "ORDERS_SERVICE_URL", "PAYMENTS_SERVICE_URL"):
            if key in env:
                url = urlsplit(env[key])
                assert url.hostname in services and url.port == SERVICE_PORT, (name, key)
    secret_keys = [services[name]["environment"]["DJANGO_SECRET_KEY"] for name in SERVICES]
    assert len(set(secret_keys)) == len(SERVICES)
    # The users service keeps its signing keys in a volume, where JWT_KEYS_DIR says.
    users = services["users"]
    (keys,) = [v for v in mounts(users) if v["target"] == users["environment"]["JWT_KEYS_DIR"]]
    assert keys["type"] == "volume" and keys["source"] in config["volumes"]


def image_env(service: dict) -> dict[str, str]:
    """What the ENV instructions of the service's Dockerfile set."""
    env = {}
    for line in dockerfile(service).read_text().replace("\\\n", " ").splitlines():
        if line.startswith("ENV "):
            env.update(pair.split("=", 1) for pair in line.split()[1:])
    return env


def test_subgraph_containers_start_with_the_image_and_compose_environment_only(config):
    """Each container of a service's image (the service, its relay, its worker) gets a complete
    production configuration from its image and compose.yaml: its settings load and pass
    `check --deploy`. A URL of another service left out would be refused there, not found out
    when a request first needs it (127.0.0.1 in a container is the container itself)."""
    checked = set()
    for name, service in config["services"].items():
        subgraph = dockerfile(service).parent.name if "build" in service else None
        if subgraph not in SERVICES:
            continue
        env = {**image_env(service), **service["environment"]}
        result = subprocess.run(
            [sys.executable, "manage.py", "check", "--deploy"],  # warnings: the test secrets are short
            cwd=ROOT / "subgraphs" / subgraph, env={"PATH": os.environ["PATH"], **env},
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert result.returncode == 0, (name, result.stderr[-2000:])
        checked.add(name)
    assert checked >= {*SERVICES, *(f"{name}-relay" for name in EMITTERS), *(f"{name}-worker" for name in CONSUMERS)}


def test_events_redis_a_relay_per_emitter_and_a_worker_per_consumer(config):
    services, volumes = config["services"], config["volumes"]
    assert EMITTERS >= {"users", "payments"} and CONSUMERS >= {"users", "orders"}
    redis = services["redis"]
    assert redis["image"].startswith("redis:") and "ping" in " ".join(redis["healthcheck"]["test"])
    (data,) = [v for v in mounts(redis) if v["target"] == "/data"]
    assert data["type"] == "volume" and data["source"] in volumes
    assert set(redis["networks"]) == {"events"}

    runners = {f"{name}-relay": name for name in EMITTERS} | {f"{name}-worker": name for name in CONSUMERS}
    assert {name for name in services if name.endswith(("-relay", "-worker"))} == set(runners)
    for runner, name in runners.items():
        service, owner = services[runner], services[name]
        # The service's own image and settings, its own database, and the broker.
        assert service["build"] == owner["build"] and service["image"] == owner["image"], runner
        env = service["environment"]
        assert {key: env[key] for key in owner["environment"]} == owner["environment"], runner
        assert env["CELERY_BROKER_URL"] == "redis://redis:6379/0"
        assert {"events", f"{name}-data"} <= set(service["networks"]), runner
        assert service.get("read_only") is True
        command = service["command"]
        if runner.endswith("-relay"):
            assert command == ["python", "manage.py", "relay_outbox"]
        else:
            assert command[:6] == ["celery", "-A", f"{name}_service", "worker", "--queues", name], command
            assert {"--without-gossip", "--without-mingle", "--without-heartbeat"} <= set(command)
    # The welcome email: the users worker has the SMTP settings, nothing else has them.
    assert {"EMAIL_HOST", "EMAIL_PORT", "DEFAULT_FROM_EMAIL"} <= services["users-worker"]["environment"].keys()
    for name, service in services.items():
        if name != "users-worker":
            assert not any(key.startswith("EMAIL_") for key in service.get("environment") or {}), name


def copied_sources(path: Path) -> list[str]:
    text = re.sub(r"\\\n", " ", path.read_text())
    sources = []
    for line in text.splitlines():
        words = line.split()
        if words[:1] in (["COPY"], ["ADD"]) and not any(w.startswith("--from=") for w in words):
            sources += [w for w in words[1:-1] if not w.startswith("--")]
    return sources


def test_build_contexts_dockerfiles_and_copied_files_exist(config):
    for name, service in config["services"].items():
        if "build" not in service:
            continue
        context = Path(service["build"]["context"])
        assert context.is_dir(), name
        assert dockerfile(service).is_file(), name
        assert context.resolve() in dockerfile(service).resolve().parents, name
        sources = copied_sources(dockerfile(service))
        assert sources, name
        for source in sources:
            assert (context / source).exists(), f"{name}: {dockerfile(service)} copies {source}, missing from {context}"


def test_images_get_all_the_code_they_run(config):
    """A package or module added to a service or the router is copied into its image too."""
    services = config["services"]
    for name in SERVICES:
        service_dir = ROOT / "subgraphs" / name
        packages = {f"{name}/{d.name}" for d in service_dir.iterdir() if (d / "__init__.py").is_file()}
        assert packages <= set(copied_sources(dockerfile(services[name]))), name
    router_dir, copied = ROOT / "supergraph", set(copied_sources(dockerfile(services["router"])))
    pending, seen = ["gateway.config.mjs"], set()
    while pending:  # gateway.config.mjs and what it imports, relatively, in turn
        module = pending.pop()
        seen.add(module)
        for imported in re.findall(r"""from\s+['"]\./([^'"]+)['"]""", (router_dir / module).read_text()):
            if imported not in seen:
                pending.append(imported)
    assert seen <= copied, f"supergraph/Dockerfile does not copy {sorted(seen - copied)}"


def test_mounted_files_exist_and_the_router_reads_them_read_only(config):
    for name, service in config["services"].items():
        for volume in mounts(service):
            if volume["type"] == "bind":
                assert Path(volume["source"]).exists(), (name, volume["source"])
                assert volume.get("read_only") is True, (name, volume)
    router = config["services"]["router"]
    files = {v["target"]: Path(v["source"]) for v in mounts(router)}
    assert files[router["environment"]["ROUTER_CONFIG"]] == ROUTER_CONFIG
    config_dir = Path(router["environment"]["ROUTER_CONFIG"]).parent
    supergraph = yaml.safe_load(ROUTER_CONFIG.read_text())["supergraph"]
    assert files[str(config_dir / supergraph)] == ROOT / "supergraph" / "supergraph.graphql"


def flatten(config: dict, prefix: str = "") -> dict:
    flat = {}
    for key, value in config.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and path not in DEPLOYMENT_KEYS:
            flat.update(flatten(value, f"{path}."))
        else:
            flat[path] = value
    return flat


def test_the_router_compose_config_is_router_config_yaml_with_deployment_keys_only():
    committed = flatten(yaml.safe_load((ROOT / "router-config.yaml").read_text()))
    deployed = flatten(yaml.safe_load(ROUTER_CONFIG.read_text()))
    assert committed.keys() == deployed.keys()
    differing = {key for key in committed if committed[key] != deployed[key]}
    assert differing <= DEPLOYMENT_KEYS, f"only deployment keys may differ: {sorted(differing - DEPLOYMENT_KEYS)}"


def test_the_router_compose_config_is_valid_and_reaches_the_services(config, tmp_path):
    """Loaded by the router's own loader, next to the committed supergraph as compose mounts them."""
    shutil.copy(ROUTER_CONFIG, tmp_path / "router-config.yaml")
    shutil.copy(ROOT / "supergraph" / "supergraph.graphql", tmp_path / "supergraph.graphql")
    script = "import { loadRouterConfig } from './router-config.mjs'; loadRouterConfig(process.argv[1]);"
    result = subprocess.run(
        [NODE, "--input-type=module", "-e", script, str(tmp_path / "router-config.yaml")],
        cwd=ROOT / "supergraph", capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr

    router = yaml.safe_load(ROUTER_CONFIG.read_text())
    assert router["listen"]["host"] == "0.0.0.0"
    published = config["services"]["router"]["ports"]
    assert [p["target"] for p in published] == [router["listen"]["port"]]
    for name in SERVICES:
        url = urlsplit(router["subgraphs"][name]["url"])
        assert (url.hostname, url.port, url.path) == (name, SERVICE_PORT, "/graphql")
    jwks = urlsplit(router["auth"]["jwks_url"])
    assert (jwks.hostname, jwks.port) == ("users", SERVICE_PORT)
    # Production: the schema is not shown, the IDE not served; metrics are on for Prometheus.
    assert router["introspection"] is False and router["graphiql"] is False
    assert router["metrics"]["enabled"] is True
    # The frontend's origin, as the browser sees it with the default port, may call the router.
    frontend_port = env_example()["FRONTEND_PORT"]
    assert f"http://localhost:{frontend_port}" in router["cors"]["origins"]
    assert env_example()["FRONTEND_ROUTER_URL"] == f"http://localhost:{env_example()['ROUTER_PORT']}/graphql"
