"""What a service tells its operators: which request a log line belongs to, and how it is doing.

- :class:`ObservabilityMiddleware` (first in ``MIDDLEWARE``) gives every request an id: the
  incoming ``X-Request-ID`` (Hive Gateway sends its own on every subgraph request, the same
  for all subgraphs of one client request) or a new one, answered in ``X-Request-ID``. It keeps
  the W3C ``traceparent`` the router forwards, puts both on every log record of the request
  (:class:`RequestContextFilter`), writes one access line per request, and records metrics.
- :class:`JsonFormatter`: one JSON object per line (``LOG_FORMAT=plain`` for people).
- Prometheus metrics, served at ``/metrics`` by :func:`metrics_view`: requests and latency per
  GraphQL operation name, SQL queries per request. Under gunicorn every worker writes its
  numbers to files in a directory shared with the other workers of the same master
  (prometheus_client's multiprocess mode), so any worker answers ``/metrics`` for all of them.
  ``PROMETHEUS_MULTIPROC_DIR`` chooses that directory (empty it before starting gunicorn);
  by default it is a fresh one per gunicorn master under the temporary directory.

Per request this costs a context variable, one regular expression over the body for the
operation name, a counter around the database cursor, a few metric updates and one log line:
nothing runs per field or per SQL row.
"""

import json
import logging
import os
import re
import shutil
import tempfile
import threading
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.core.exceptions import RequestDataTooBig
from django.http.request import RawPostDataException

REQUEST_ID_HEADER = "X-Request-ID"
GRAPHQL_PATH = "/graphql"
# Paths probed every few seconds (healthchecks, scrapes): their access lines are DEBUG.
QUIET_PATHS = frozenset({"/health", "/metrics"})

# An incoming request id is kept when it is short and printable; anything else is replaced.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")
# W3C Trace Context: version-traceid-parentid-flags; a future version may append fields.
_TRACEPARENT = re.compile(r"([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?")
_INVALID_TRACE_ID = "0" * 32
_INVALID_PARENT_ID = "0" * 16


class RequestContext:
    """The request a log record belongs to: its id and, when the caller sent a valid one, its trace."""

    __slots__ = ("request_id", "traceparent", "trace_id", "parent_id")

    def __init__(self, request_id: str, traceparent: str | None = None) -> None:
        self.request_id = request_id
        self.traceparent = self.trace_id = self.parent_id = None
        if traceparent:
            match = _TRACEPARENT.fullmatch(traceparent.strip())
            if match:
                version, trace_id, parent_id, _flags, rest = match.groups()
                valid = (
                    version != "ff"
                    and (version != "00" or rest is None)
                    and trace_id != _INVALID_TRACE_ID
                    and parent_id != _INVALID_PARENT_ID
                )
                if valid:
                    self.traceparent, self.trace_id, self.parent_id = match.group(0), trace_id, parent_id


_current: ContextVar[RequestContext | None] = ContextVar("federation_kit_request", default=None)


def correlation_headers() -> dict[str, str]:
    """Headers that carry the current request's id and trace to another service's request."""
    context = _current.get()
    if context is None:
        return {}
    headers = {REQUEST_ID_HEADER: context.request_id}
    if context.traceparent:
        headers["traceparent"] = context.traceparent
    return headers


# ---------------------------------------------------------------------------------------------
# Logging


class RequestContextFilter(logging.Filter):
    """Adds ``request_id``, ``trace_id``, ``parent_id`` and ``traceparent`` to every record (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        # Django logs a 4xx/5xx response (django.request) after the middleware has returned:
        # the record then carries the request, and the request its context.
        context = _current.get() or getattr(getattr(record, "request", None), "observability", None)
        if context is None:
            record.request_id = record.trace_id = record.parent_id = record.traceparent = None
        else:
            record.request_id = context.request_id
            record.trace_id = context.trace_id
            record.parent_id = context.parent_id
            record.traceparent = context.traceparent
        return True


_CONTEXT_FIELDS = ("request_id", "trace_id", "parent_id", "traceparent")
# Attributes every LogRecord has: anything else on a record came from `extra=` and is logged.
# (`request` is the HttpRequest object some of Django's records carry: not for a log line.)
_RECORD_ATTRIBUTES = frozenset(
    [*logging.LogRecord("", 0, "", 0, "", None, None).__dict__, "message", "asctime", "taskName", "request", *_CONTEXT_FIELDS]
)


def _service_name() -> str | None:
    if settings.configured:
        return getattr(settings, "SERVICE_NAME", None)
    # Outside Django (gunicorn's master process): users_service.settings -> users.
    module = os.environ.get("DJANGO_SETTINGS_MODULE", "")
    return module.partition(".")[0].removesuffix("_service") or None


class JsonFormatter(logging.Formatter):
    """One JSON object per record: ts, level, logger, message, service, the request's ids, extras, exc_info."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._service: str | None = None
        self._second = (0, "")  # the last second formatted, reused by the records of the same second

    def _timestamp(self, created: float) -> str:
        second = int(created)
        if second != self._second[0]:
            self._second = (second, datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S"))
        return f"{self._second[1]}.{int((created - second) * 1000):03d}Z"

    def format(self, record: logging.LogRecord) -> str:
        if self._service is None:
            self._service = _service_name() or ""
        entry = {
            "ts": self._timestamp(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if self._service:
            entry["service"] = self._service
        for field in _CONTEXT_FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                entry[field] = value
        for key, value in record.__dict__.items():
            if key not in _RECORD_ATTRIBUTES and value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class PlainFormatter(logging.Formatter):
    """``LOG_FORMAT=plain``: a line for people, still naming the request."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("fmt", "%(asctime)s %(levelname)s %(name)s %(message)s")
        super().__init__(*args, **kwargs)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request_id = getattr(record, "request_id", None)
        if request_id:
            line += f" request_id={request_id}"
            if getattr(record, "trace_id", None):
                line += f" trace_id={record.trace_id}"
        return line


try:
    from gunicorn.glogging import Logger as _GunicornLogger
except ImportError:  # pragma: no cover - gunicorn is in the pinned requirements
    _GunicornLogger = object


class GunicornLogger(_GunicornLogger):
    """``gunicorn --logger-class federation_kit.observability.GunicornLogger``: gunicorn's own lines as JSON too."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        formatter = JsonFormatter()
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(formatter)


# ---------------------------------------------------------------------------------------------
# Metrics

# The label of a request: its operationName, else the name in its document, else its first
# root field: the router sends anonymous operations (`{orders(...){...}}`,
# `query($representations:...){_entities(...){...on User{...}}}`), labelled "orders" and
# "_entities:User". Read with regular expressions from the JSON body, which is not parsed again:
# inside the query string quotes are escaped, so only the real keys match.
_WS = rb"(?:\s|\\[nrt])*"  # whitespace, also as JSON escapes
_NAME = rb"([_A-Za-z][_0-9A-Za-z]{0,99})"
_BODY_OPERATION_NAME = re.compile(rb'"operationName"\s*:\s*"' + _NAME + rb'"')
_BODY_QUERY = re.compile(
    rb'"query"\s*:\s*"' + _WS
    + rb"(?:(?:query|mutation|subscription)\b" + _WS + rb"(?:" + _NAME + rb")?[^{\"]*)?"  # operation type, name, variables
    + rb"\{" + _WS + rb"(?:[_A-Za-z][_0-9A-Za-z]*" + _WS + rb":" + _WS + rb")?" + _NAME  # first root field (after an alias)
)
_SCAN = 4096
_FIRST_FRAGMENT_TYPE = re.compile(rb"\.\.\." + _WS + rb"on" + _WS + _NAME)
_OPERATION_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,99}")
# Operation names come from clients: past this many distinct labels a process counts the
# others as "other", so that no client can grow the metrics without bound.
MAX_OPERATION_NAMES = 200
ANONYMOUS_OPERATION = "anonymous"
OTHER_OPERATION = "other"
REFUSED_OPERATION = "refused"

DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
SQL_QUERY_BUCKETS = (0, 1, 2, 3, 5, 10, 20, 50, 100)
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
_MULTIPROC_ROOT = "django-supergraph-metrics"


def _process_start(pid: int) -> str | None:
    """The start time of a process in clock ticks since boot (Linux), which tells a pid's reuse apart."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rpartition(")")[2].split()[19]


def _gunicorn_master_dir() -> Path:
    """A directory of this worker's gunicorn master (pid and start time), found the same by all its workers.

    Directories of masters that are gone are removed on the way.
    """
    root = Path(tempfile.gettempdir()) / f"{_MULTIPROC_ROOT}-{os.getuid()}"
    master = os.getppid()
    started = _process_start(master)
    root.mkdir(mode=0o700, exist_ok=True)
    if started is None:  # no /proc: the pid alone, and no way to tell which old directories are stale
        directory = root / str(master)
    else:
        directory = root / f"{master}-{started}"
        for old in root.iterdir():
            pid, _, start = old.name.partition("-")
            if old != directory and pid.isdigit() and start and _process_start(int(pid)) != start:
                shutil.rmtree(old, ignore_errors=True)
    directory.mkdir(mode=0o700, exist_ok=True)
    return directory


def _configure_multiprocess() -> bool:
    """Multiprocess mode when PROMETHEUS_MULTIPROC_DIR is set or when running under gunicorn.

    Runs before prometheus_client is imported: it reads the variable once, on import.
    """
    directory = os.environ.get(MULTIPROC_ENV)
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        return True
    if os.environ.get("SERVER_SOFTWARE", "").startswith("gunicorn/"):
        os.environ[MULTIPROC_ENV] = str(_gunicorn_master_dir())
        return True
    return False


class Metrics:
    """The service's Prometheus metrics (one instance per process, made on first use)."""

    _instance: "Metrics | None" = None
    _lock = threading.Lock()

    @classmethod
    def get(cls) -> "Metrics":
        if cls._instance is None:
            with cls._lock:
                if cls._instance is None:
                    cls._instance = cls()
        return cls._instance

    def __init__(self) -> None:
        self.multiprocess = _configure_multiprocess()
        import prometheus_client

        self._prometheus = prometheus_client
        self.requests = prometheus_client.Counter(
            "subgraph_requests", "GraphQL requests served, by operation name and HTTP status", ["operation", "status"]
        )
        self.duration = prometheus_client.Histogram(
            "subgraph_request_duration_seconds",
            "Time to answer a GraphQL request, by operation name",
            ["operation"],
            buckets=DURATION_BUCKETS,
        )
        self.sql_queries = prometheus_client.Histogram(
            "subgraph_request_sql_queries",
            "SQL queries run for one GraphQL request, by operation name (_sum: all queries)",
            ["operation"],
            buckets=SQL_QUERY_BUCKETS,
        )
        self._operations: set[str] = set()
        self._children: dict[tuple[str, int], tuple] = {}

    def record(self, operation: str, status: int, seconds: float, queries: int) -> None:
        children = self._children.get((operation, status))
        if children is None:
            if operation not in self._operations:
                if len(self._operations) >= MAX_OPERATION_NAMES:
                    operation = OTHER_OPERATION
                self._operations.add(operation)
            children = (
                self.requests.labels(operation, str(status)),
                self.duration.labels(operation),
                self.sql_queries.labels(operation),
            )
            self._children[(operation, status)] = children
        requests, duration, sql_queries = children
        requests.inc()
        duration.observe(seconds)
        sql_queries.observe(queries)

    def exposition(self) -> tuple[bytes, str]:
        prometheus = self._prometheus
        if self.multiprocess:
            from prometheus_client import multiprocess

            registry = prometheus.CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
        else:
            registry = prometheus.REGISTRY
        return prometheus.generate_latest(registry), prometheus.CONTENT_TYPE_LATEST


def operation_name(request: HttpRequest) -> str:
    """The metrics label of a GraphQL request (see _BODY_QUERY), from its body (read by then) or query string."""
    if request.method != "POST":
        name = request.GET.get("operationName", "")
        return name if _OPERATION_NAME.fullmatch(name) else ANONYMOUS_OPERATION
    try:
        body = request.body
    except (RawPostDataException, RequestDataTooBig):  # the view answers a body too large itself
        return ANONYMOUS_OPERATION
    return operation_label(body)


def operation_label(body: bytes) -> str:
    # bytes.find first, much faster than a regular expression's search; and in a large body
    # (an _entities batch) only near either end, around the variables.
    start = body.find(b'"operationName"', 0, _SCAN)
    if start < 0 and len(body) > _SCAN:
        start = body.find(b'"operationName"', max(_SCAN, len(body) - _SCAN) - 20)
    if start >= 0 and (match := _BODY_OPERATION_NAME.match(body, start)):
        return match.group(1).decode()
    start = body.find(b'"query"')
    match = _BODY_QUERY.match(body, start) if start >= 0 else None
    if match is None:
        return ANONYMOUS_OPERATION
    name, field = match.groups()
    if name:
        return name.decode()
    if field == b"_entities" and (fragment := _FIRST_FRAGMENT_TYPE.search(body, match.end())):
        return f"_entities:{fragment.group(1).decode()}"
    return field.decode()


def metrics_view(request: HttpRequest) -> HttpResponse:
    """``/metrics``: every worker's numbers in Prometheus' text format."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
    body, content_type = Metrics.get().exposition()
    return HttpResponse(body, content_type=content_type)


# ---------------------------------------------------------------------------------------------
# The middleware

_ACCESS = "federation_kit.access"
access_logger = logging.getLogger(_ACCESS)


class _QueryCounter:
    """A ``connection.execute_wrapper`` that counts the SQL statements of one request."""

    __slots__ = ("count",)

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


class ObservabilityMiddleware:
    """First in MIDDLEWARE: request id and trace context on every log record, an access line, metrics."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.metrics = Metrics.get()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        start = time.perf_counter()
        meta = request.META
        request_id = meta.get("HTTP_X_REQUEST_ID")
        if not request_id or not _REQUEST_ID.fullmatch(request_id):
            request_id = uuid.uuid4().hex
        request.request_id = request_id
        request.observability = context = RequestContext(request_id, meta.get("HTTP_TRACEPARENT"))
        token = _current.set(context)
        try:
            queries = _QueryCounter()
            with connection.execute_wrapper(queries):
                response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            seconds = time.perf_counter() - start
            path, status = request.path_info, response.status_code
            operation = None
            if path == GRAPHQL_PATH:
                # A refused request's body is whatever its sender wrote: not a label.
                operation = operation_name(request) if status not in (401, 403) else REFUSED_OPERATION
                self.metrics.record(operation, status, seconds, queries.count)
            level = logging.WARNING if status >= 500 else logging.DEBUG if path in QUIET_PATHS else logging.INFO
            if access_logger.isEnabledFor(level):
                # makeRecord + handle: what Logger.log does, less the search of the caller's frame.
                extra = {
                    "method": request.method,
                    "path": path,
                    "status": status,
                    "operation": operation,
                    "duration_ms": round(seconds * 1000, 2),
                    "sql_queries": queries.count,
                }
                args = (request.method, path, status)
                access_logger.handle(access_logger.makeRecord(_ACCESS, level, __file__, 0, "%s %s %s", args, None, extra=extra))
            return response
        finally:
            _current.reset(token)
