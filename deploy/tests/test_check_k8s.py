"""The checks of deploy/check_k8s.py: the real overlays pass, and each rule fails on a manifest that
breaks it (a broken kustomize overlay end to end, then one mutation of the rendered objects per rule)."""

import copy
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(DEPLOY))

import check_k8s  # noqa: E402

BAD_OVERLAY = DEPLOY / "tests" / "fixtures" / "bad-overlay"


@pytest.fixture(scope="session")
def rendered():
    return {name: check_k8s.render(path) for name, path in check_k8s.OVERLAYS.items()}


@pytest.fixture(scope="session")
def examples():
    return check_k8s.load_secret_examples()


def find(objects, kind, name):
    """The object of that kind and name; a name ending in "-" is the prefix of a hashed ConfigMap's."""
    (obj,) = [
        o
        for o in objects
        if o["kind"] == kind and (o["metadata"]["name"].startswith(name) if name.endswith("-") else o["metadata"]["name"] == name)
    ]
    return obj


def container(objects, deployment, index=0, init=False):
    spec = check_k8s.pod_spec(find(objects, "Deployment", deployment))
    return spec["initContainers" if init else "containers"][index]


def router_config_map(objects):
    return find(objects, "ConfigMap", "router-config-")


def problems_of(objects, examples):
    return check_k8s.our_problems(objects, examples)[0]


# ---------------------------------------------------------------------------------------------
# The real overlays


@pytest.mark.parametrize("overlay", sorted(check_k8s.OVERLAYS))
def test_overlay_passes(rendered, examples, overlay):
    objects = copy.deepcopy(rendered[overlay])
    assert check_k8s.schema_problems(objects) == []
    assert problems_of(objects, examples) == []


def test_secret_examples_are_placeholders_and_all_used(rendered, examples):
    assert check_k8s.secret_example_problems(examples) == []
    used = set().union(*(check_k8s.collect_secret_refs(objs).names for objs in rendered.values()))
    assert used == set(examples)


def test_overlays_differ_where_they_should(rendered):
    dev, prod = rendered["dev"], rendered["production"]
    assert {o["kind"] for o in dev} >= {"StatefulSet"} and "StatefulSet" not in {o["kind"] for o in prod}
    assert find(prod, "Ingress", "supergraph")
    assert container(prod, "router")["image"].startswith("registry.example.com/")
    assert container(dev, "router")["image"] == "django-supergraph/router:local"


def test_supergraph_configmap_is_the_committed_file(rendered):
    sdl = check_k8s.SUPERGRAPH.read_text()
    for objects in rendered.values():
        assert find(objects, "ConfigMap", "supergraph-")["data"]["supergraph.graphql"] == sdl


# ---------------------------------------------------------------------------------------------
# A broken overlay, rendered by kustomize and checked by the command itself


def test_bad_overlay_fails_end_to_end():
    result = subprocess.run(
        [sys.executable, str(DEPLOY / "check_k8s.py"), "--overlay", str(BAD_OVERLAY)], capture_output=True, text=True
    )
    assert result.returncode == 1, result.stdout + result.stderr
    for expected in (
        "Deployment/orders container orders: has no readinessProbe",
        "Deployment/orders container orders: has no livenessProbe",
        "Secret/router-hmac: inlined Secret",
        "Deployment/payments container payments: env DATABASE_URL is an inlined secret value",
        "Service/users: a subgraph's, database's or broker's Service is of type NodePort",
    ):
        assert expected in result.stdout, result.stdout


def test_schema_validation_rejects_unknown_and_wrong_fields(rendered):
    objects = copy.deepcopy(rendered["production"])
    find(objects, "Deployment", "users")["spec"]["revisionHistoryLimt"] = 5
    container(objects, "orders")["resources"]["limits"]["cpu"] = {"cores": 1}
    problems = check_k8s.schema_problems(objects)
    assert any("Deployment/users" in p and "revisionHistoryLimt" in p for p in problems), problems
    assert any("Deployment/orders" in p and "limits" in p for p in problems), problems


# ---------------------------------------------------------------------------------------------
# One rule broken at a time


def _remove_probe(o):
    del container(o, "router")["readinessProbe"]


def _probe_on_undeclared_port(o):
    container(o, "users")["livenessProbe"]["httpGet"]["port"] = 9000


def _no_init_limits(o):
    del container(o, "orders", init=True)["resources"]["limits"]["memory"]


def _root_user(o):
    check_k8s.pod_spec(find(o, "Deployment", "payments"))["securityContext"]["runAsUser"] = 0


def _container_runs_as_root(o):
    container(o, "frontend")["securityContext"]["runAsNonRoot"] = False


def _writable_root(o):
    container(o, "router")["securityContext"]["readOnlyRootFilesystem"] = False


def _privilege_escalation(o):
    container(o, "users", init=True)["securityContext"]["allowPrivilegeEscalation"] = True


def _latest_image(o):
    container(o, "orders")["image"] = "registry.example.com/django-supergraph/orders:latest"


def _unknown_secret_key(o):
    env = container(o, "users")["env"]
    next(e for e in env if e["name"] == "DATABASE_URL")["valueFrom"]["secretKeyRef"]["key"] = "URL"


def _unknown_secret(o):
    check_k8s.pod_spec(find(o, "Deployment", "users"))["volumes"][1]["secret"]["secretName"] = "jwt-keys"


def _secret_in_configmap(o):
    find(o, "ConfigMap", "subgraph-env-")["data"]["EMAIL_HOST_PASSWORD"] = "hunter2"


def _private_key_in_env(o):
    container(o, "users")["env"].append({"name": "EXTRA", "value": "-----BEGIN PRIVATE KEY-----\nabc"})


def _load_balancer_subgraph(o):
    find(o, "Service", "payments")["spec"]["type"] = "LoadBalancer"


def _service_selects_nothing(o):
    find(o, "Service", "orders")["spec"]["selector"] = {"app.kubernetes.io/name": "order"}


def _ingress_to_a_subgraph(o):
    ingress = find(o, "Ingress", "supergraph")
    ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"] = {"name": "users", "port": {"name": "http"}}


def _ingress_to_a_missing_port(o):
    ingress = find(o, "Ingress", "supergraph")
    ingress["spec"]["rules"][1]["http"]["paths"][0]["backend"]["service"]["port"] = {"number": 80}


def _no_hpa(o):
    o.remove(find(o, "HorizontalPodAutoscaler", "orders"))


def _no_pdb(o):
    o.remove(find(o, "PodDisruptionBudget", "router"))


def _replicas_with_hpa(o):
    find(o, "Deployment", "users")["spec"]["replicas"] = 3


def _no_migration(o):
    del check_k8s.pod_spec(find(o, "Deployment", "payments"))["initContainers"]


def _migrate_while_serving(o):
    c = container(o, "orders")
    c["command"] = ["sh", "-c", "python manage.py migrate --no-input && " + c["command"][2]]


def _serving_command_drifts(o):
    container(o, "users")["command"][2] += " --timeout 5"


def _jwt_keys_not_from_secret(o):
    c = container(o, "users")
    c["volumeMounts"] = [m for m in c["volumeMounts"] if m["name"] != "jwt-keys"]


def _migrate_without_jwt_keys(o):
    c = container(o, "users", init=True)
    c["volumeMounts"] = [m for m in c["volumeMounts"] if m["name"] != "jwt-keys"]


def _migrate_with_other_keys(o):
    spec = check_k8s.pod_spec(find(o, "Deployment", "users"))
    spec["volumes"].append({"name": "old-jwt-keys", "secret": {"secretName": "jwt-signing-keys"}})
    for m in container(o, "users", init=True)["volumeMounts"]:
        if m["name"] == "jwt-keys":
            m["name"] = "old-jwt-keys"


def _router_listens_on_loopback(o):
    cm = router_config_map(o)
    cm["data"]["router-config.yaml"] = cm["data"]["router-config.yaml"].replace("host: 0.0.0.0", "host: 127.0.0.1")


def _router_config_unknown_key(o):
    cm = router_config_map(o)
    cm["data"]["router-config.yaml"] = cm["data"]["router-config.yaml"].replace("  max_depth:", "  max_dept:")


def _router_subgraph_wrong_port(o):
    cm = router_config_map(o)
    cm["data"]["router-config.yaml"] = cm["data"]["router-config.yaml"].replace("http://orders:8000", "http://orders:4002")


def _stale_supergraph(o):
    find(o, "ConfigMap", "supergraph-")["data"]["supergraph.graphql"] += "\n# edited by hand\n"


def _unhashed_supergraph(o):
    cm = find(o, "ConfigMap", "supergraph-")
    cm["metadata"]["name"] = "supergraph"
    volume = check_k8s.pod_spec(find(o, "Deployment", "router"))["volumes"][0]
    volume["projected"]["sources"][1]["configMap"]["name"] = "supergraph"


def _env_url_to_missing_service(o):
    find(o, "ConfigMap", "subgraph-env-")["data"]["USERS_SERVICE_URL"] = "http://user:8000/graphql"


def _no_users_policy(o):
    # default-deny still isolates users: nobody reaches it any more.
    o.remove(find(o, "NetworkPolicy", "users"))


def _no_policy_isolates_users(o):
    o.remove(find(o, "NetworkPolicy", "users"))
    o.remove(find(o, "NetworkPolicy", "default-deny"))


def _orders_open_ingress(o):
    find(o, "NetworkPolicy", "orders")["spec"]["ingress"].append({"ports": [{"port": 8000}]})


def _frontend_reaches_payments(o):
    policy = find(o, "NetworkPolicy", "payments")
    policy["spec"]["ingress"][0]["from"].append({"podSelector": {"matchLabels": {"app.kubernetes.io/name": "frontend"}}})
    find(o, "NetworkPolicy", "frontend")["spec"]["egress"] = [{"ports": [{"port": 8000}]}]


def _shared_database_range(o):
    cidr = find(o, "NetworkPolicy", "users-database")["spec"]["egress"][0]["to"][0]["ipBlock"]["cidr"]
    find(o, "NetworkPolicy", "orders-database")["spec"]["egress"][0]["to"][0]["ipBlock"]["cidr"] = cidr


def _router_reaches_anything_on_5432(o):
    find(o, "NetworkPolicy", "router")["spec"]["egress"].append({"ports": [{"port": 5432}]})


def _database_egress_to_anywhere(o):
    del find(o, "NetworkPolicy", "users-database")["spec"]["egress"][0]["to"]


def _namespace_not_restricted(o):
    del find(o, "Namespace", "supergraph")["metadata"]["labels"]["pod-security.kubernetes.io/enforce"]



def _no_relay(o):
    o.remove(find(o, "Deployment", "payments-relay"))


def _worker_on_the_wrong_queue(o):
    c = container(o, "orders-worker")
    c["command"][c["command"].index("--queues") + 1] = "payments"


def _worker_nobody_sends_to(o):
    worker = copy.deepcopy(find(o, "Deployment", "orders-worker"))
    worker["metadata"]["name"] = "payments-worker"
    o.append(worker)


def _relay_image_drifts(o):
    container(o, "users-relay")["image"] = "registry.example.com/django-supergraph/users:0.9.0"


def _relay_migrates(o):
    container(o, "users-relay", init=True)["command"] = ["python", "manage.py", "migrate", "--no-input"]


def _broker_url_inlined(o):
    env = container(o, "orders-worker")["env"]
    i = next(i for i, e in enumerate(env) if e["name"] == "CELERY_BROKER_URL")
    env[i] = {"name": "CELERY_BROKER_URL", "value": "rediss://:hunter2@redis.example.internal:6379/0"}


def _worker_on_another_database(o):
    env = container(o, "orders-worker")["env"]
    next(e for e in env if e["name"] == "DATABASE_URL")["valueFrom"]["secretKeyRef"]["name"] = "payments-database"


def _worker_without_readiness(o):
    del container(o, "users-worker")["readinessProbe"]


def _worker_reaches_users_database(o):
    selector = find(o, "NetworkPolicy", "users-database")["spec"]["podSelector"]
    selector["matchExpressions"][0]["values"].append("orders-worker")


def _router_reaches_anything_on_6379(o):
    find(o, "NetworkPolicy", "router")["spec"]["egress"].append({"ports": [{"port": 6379}]})


def _no_broker_egress(o):
    o.remove(find(o, "NetworkPolicy", "events-broker"))


PRODUCTION_CASES = [
    (_remove_probe, "Deployment/router container router: has no readinessProbe"),
    (_probe_on_undeclared_port, "livenessProbe port 9000 is not a port it declares"),
    (_no_init_limits, "Deployment/orders initContainer migrate: no memory limit"),
    (_root_user, "Deployment/payments container payments: runAsUser is not a non-root uid (got 0)"),
    (_container_runs_as_root, "Deployment/frontend container frontend: runAsNonRoot is not true"),
    (_writable_root, "Deployment/router container router: readOnlyRootFilesystem is not true"),
    (_privilege_escalation, "Deployment/users initContainer migrate: allowPrivilegeEscalation is not false"),
    (_latest_image, "has no pinned tag or digest"),
    (_unknown_secret_key, "reads key URL of Secret/users-database, not in secrets.example.yaml"),
    (_unknown_secret, "references Secret/jwt-keys, which secrets.example.yaml does not list"),
    (_secret_in_configmap, "key EMAIL_HOST_PASSWORD looks like an inlined secret"),
    (_private_key_in_env, "env EXTRA is an inlined secret value"),
    (_load_balancer_subgraph, "Service/payments: a subgraph's, database's or broker's Service is of type LoadBalancer"),
    (_service_selects_nothing, "Service/orders: its selector matches no pod"),
    (_ingress_to_a_subgraph, "Ingress/supergraph: exposes subgraph Service/users"),
    (_ingress_to_a_missing_port, "Service/frontend has no port {'number': 80}"),
    (_no_hpa, "Deployment/orders: no HorizontalPodAutoscaler scales it"),
    (_no_pdb, "Deployment/router: no PodDisruptionBudget selects its pods"),
    (_replicas_with_hpa, "Deployment/users: sets replicas while an HorizontalPodAutoscaler owns the count"),
    (_no_migration, "Deployment/payments: no init container runs `manage.py migrate`"),
    (_migrate_while_serving, "Deployment/orders container orders: migrates while serving"),
    (_serving_command_drifts, "is not the serving command of subgraphs/users/Dockerfile's CMD"),
    (_jwt_keys_not_from_secret, "JWT_KEYS_DIR is not a mounted Secret"),
    (_migrate_without_jwt_keys, "Deployment/users initContainer migrate: JWT_KEYS_DIR is not the Secret the pod serves with"),
    (_migrate_with_other_keys, "Deployment/users initContainer migrate: JWT_KEYS_DIR is not the Secret the pod serves with"),
    (_router_listens_on_loopback, "listen.host is 127.0.0.1: in a pod it must be 0.0.0.0"),
    (_router_config_unknown_key, "Additional properties are not allowed ('max_dept' was unexpected)"),
    (_router_subgraph_wrong_port, "subgraphs.orders.url: http://orders:4002/graphql: Service orders has no port 4002"),
    (_stale_supergraph, "differs from supergraph/supergraph.graphql"),
    (_unhashed_supergraph, "ConfigMap/supergraph has no content hash in its name"),
    (_env_url_to_missing_service, "USERS_SERVICE_URL: http://user:8000/graphql names Service user, which is not rendered"),
    (_no_users_policy, "NetworkPolicy: orders, payments, router cannot reach subgraph users"),
    (_no_policy_isolates_users, "NetworkPolicy: subgraph users is reachable from outside the namespace"),
    (_orders_open_ingress, "NetworkPolicy: subgraph orders is reachable from outside the namespace"),
    (_frontend_reaches_payments, "NetworkPolicy: frontend can reach subgraph payments"),
    (_shared_database_range, "NetworkPolicy: orders and users share database addresses"),
    (_router_reaches_anything_on_5432, "NetworkPolicy: router may reach any address on port 5432"),
    (_database_egress_to_anywhere, "NetworkPolicy: users may reach any address on port 5432"),
    (_namespace_not_restricted, "does not enforce the restricted Pod Security Standard"),
    (_no_relay, "payments emits events (OUTBOX_ROUTES): no Deployment/payments-relay with component relay"),
    (_worker_on_the_wrong_queue, "is not `celery -A orders_service worker --queues orders`"),
    (_worker_nobody_sends_to, "Deployment/payments-worker: no service's OUTBOX_ROUTES gives it events to handle"),
    (_relay_image_drifts, "Deployment/users-relay container relay: image 'registry.example.com/django-supergraph/users:0.9"),
    (_relay_migrates, "Deployment/users-relay initContainer wait-for-migrations: migrates (only its service's"),
    (_relay_migrates, "Deployment/users-relay: no init container waits for migrations"),
    (_broker_url_inlined, "Deployment/orders-worker container worker: env CELERY_BROKER_URL is an inlined secret"),
    (_broker_url_inlined, "Deployment/orders-worker container worker: CELERY_BROKER_URL is not read from a Secret"),
    (_worker_on_another_database, "Deployment/orders-worker container worker: DATABASE_URL is not Deployment/orders's"),
    (_worker_without_readiness, "Deployment/users-worker container worker: has no readinessProbe"),
    (_worker_reaches_users_database, "NetworkPolicy: orders and users share database addresses"),
    (_router_reaches_anything_on_6379, "NetworkPolicy: router may reach any address on port 6379"),
    (_no_broker_egress, "NetworkPolicy: users-worker cannot reach the broker"),
]


@pytest.mark.parametrize(("mutate", "expected"), PRODUCTION_CASES, ids=[c[0].__name__[1:] for c in PRODUCTION_CASES])
def test_rule_fails_on_a_bad_production_manifest(rendered, examples, mutate, expected):
    objects = copy.deepcopy(rendered["production"])
    mutate(objects)
    problems = problems_of(objects, examples)
    assert any(expected in p for p in problems), "\n".join(problems)


def _db_open_to_orders(o):
    policy = find(o, "NetworkPolicy", "users-db")
    policy["spec"]["ingress"][0]["from"].append({"podSelector": {"matchLabels": {"app.kubernetes.io/name": "orders"}}})


def _orders_reaches_users_db(o):
    _db_open_to_orders(o)
    find(o, "NetworkPolicy", "orders-database")["spec"]["egress"][0]["to"].append(
        {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "users-db"}}}
    )


def _db_without_policy(o):
    o.remove(find(o, "NetworkPolicy", "payments-db"))
    o.remove(find(o, "NetworkPolicy", "default-deny"))


def _db_node_port(o):
    find(o, "Service", "orders-db")["spec"]["type"] = "NodePort"


def _db_without_probes(o):
    spec = check_k8s.pod_spec(find(o, "StatefulSet", "users-db"))
    del spec["containers"][0]["livenessProbe"]



def _frontend_reaches_redis(o):
    find(o, "NetworkPolicy", "redis")["spec"]["ingress"][0]["from"].append(
        {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "frontend"}}}
    )
    find(o, "NetworkPolicy", "frontend")["spec"]["egress"] = [
        {"to": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "redis"}}}], "ports": [{"port": 6379}]}
    ]


def _redis_load_balancer(o):
    find(o, "Service", "redis")["spec"]["type"] = "LoadBalancer"


def _relay_reaches_orders_db(o):
    find(o, "NetworkPolicy", "orders-db")["spec"]["ingress"][0]["from"].append(
        {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "payments-relay"}}}
    )
    find(o, "NetworkPolicy", "payments-database")["spec"]["egress"][0]["to"].append(
        {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "orders-db"}}}
    )


DEV_CASES = [
    (_orders_reaches_users_db, "NetworkPolicy: orders can reach users-db"),
    (
        _orders_reaches_users_db,
        "NetworkPolicy: database users-db is reachable from ['orders', 'users', 'users-relay', 'users-worker'], "
        "not only the users service's pods",
    ),
    (_db_without_policy, "NetworkPolicy: database payments-db is reachable from outside the namespace"),
    (_db_node_port, "Service/orders-db: a subgraph's, database's or broker's Service is of type NodePort"),
    (_db_without_probes, "StatefulSet/users-db container postgres: has no livenessProbe"),
    (_frontend_reaches_redis, "NetworkPolicy: frontend can reach broker redis"),
    (_frontend_reaches_redis, "NetworkPolicy: frontend can reach the broker: redis"),
    (_redis_load_balancer, "Service/redis: a subgraph's, database's or broker's Service is of type LoadBalancer"),
    (_relay_reaches_orders_db, "NetworkPolicy: payments-relay can reach orders-db"),
    (_relay_reaches_orders_db, "database orders-db is reachable from ['orders', 'orders-worker', 'payments-relay']"),
]


@pytest.mark.parametrize(("mutate", "expected"), DEV_CASES, ids=[c[0].__name__[1:] for c in DEV_CASES])
def test_rule_fails_on_a_bad_dev_manifest(rendered, examples, mutate, expected):
    objects = copy.deepcopy(rendered["dev"])
    mutate(objects)
    problems = problems_of(objects, examples)
    assert any(expected in p for p in problems), "\n".join(problems)


def test_unknown_setup_step_in_a_dockerfile_fails(rendered, examples, monkeypatch):
    real = check_k8s.dockerfile_cmd

    def with_extra_step(service):
        cmd = real(service)
        return ["sh", "-c", "python manage.py collectstatic --no-input && " + cmd[2]] if service == "orders" else cmd

    monkeypatch.setattr(check_k8s, "dockerfile_cmd", with_extra_step)
    problems = problems_of(copy.deepcopy(rendered["production"]), examples)
    assert any("runs `python manage.py collectstatic --no-input` before serving" in p for p in problems), problems


def test_event_pods_follow_the_services_outbox_routes():
    # users and payments emit (their settings.py set OUTBOX_ROUTES); users and orders consume.
    assert check_k8s.expected_event_pods() == {
        "users-relay": "relay",
        "payments-relay": "relay",
        "users-worker": "worker",
        "orders-worker": "worker",
    }


def test_a_service_that_starts_emitting_needs_a_relay(rendered, examples, monkeypatch):
    real = check_k8s.outbox_routes
    monkeypatch.setattr(
        check_k8s, "outbox_routes", lambda s: {"orders.order_placed": ["users"]} if s == "orders" else real(s)
    )
    problems = problems_of(copy.deepcopy(rendered["production"]), examples)
    assert "orders emits events (OUTBOX_ROUTES): no Deployment/orders-relay with component relay" in problems, problems


def test_example_with_a_real_value_fails(examples):
    bad = copy.deepcopy(examples)
    bad["router-hmac"]["stringData"]["ROUTER_HMAC_SECRET"] = "d41d8cd98f00b204e9800998ecf8427e"
    assert check_k8s.secret_example_problems(bad) == [
        "secrets.example.yaml: Secret/router-hmac key ROUTER_HMAC_SECRET is not a CHANGE-ME placeholder"
    ]


def test_unreferenced_example_secret_fails(examples, monkeypatch, capsys):
    extra = copy.deepcopy(examples)
    extra["legacy-api-token"] = {"kind": "Secret", "metadata": {"name": "legacy-api-token"}, "stringData": {}}
    monkeypatch.setattr(check_k8s, "load_secret_examples", lambda: extra)
    assert check_k8s.main([]) == 1
    assert "Secret/legacy-api-token is referenced by no overlay" in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------
# create-dev-secrets.sh makes every Secret and key the dev overlay reads


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")
def test_dev_secrets_script_creates_what_the_dev_overlay_reads(rendered, tmp_path):
    log = tmp_path / "calls"
    fake = tmp_path / "kubectl"
    # A kubectl that has no Secret yet and records what it is asked to create.
    fake.write_text(f'#!/bin/sh\necho "$*" >> {log}\ncase "$*" in *" get "*) exit 1;; esac\n')
    fake.chmod(0o755)
    script = DEPLOY / "k8s" / "create-dev-secrets.sh"
    subprocess.run(["sh", str(script)], check=True, env={**os.environ, "KUBECTL": str(fake)}, capture_output=True)
    created = {}
    for line in log.read_text().splitlines():
        words = line.split()
        if words[:5] == ["-n", "supergraph-dev", "create", "secret", "generic"]:
            created[words[5]] = {w.split("=", 2)[1] for w in words[6:] if w.startswith("--from-")}
    refs = check_k8s.collect_secret_refs(rendered["dev"])
    assert set(created) == refs.names
    for name, key in refs.keys:
        assert key in created[name], (name, key)
    # The JWT key file is named like rotate_jwt_key's: <UTC timestamp>.pem
    assert re.fullmatch(r"\d{8}T\d{12}\.pem", next(iter(created["jwt-signing-keys"])))
