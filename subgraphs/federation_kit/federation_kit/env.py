"""Read settings from the environment, failing loudly on values that cannot be parsed."""

import math
import os
from pathlib import Path
from urllib.parse import SplitResult, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false)")


def env_float(name: str, default: float, *, minimum: float, maximum: float = math.inf) -> float:
    return _env_number(name, default, float, "a number", minimum, maximum)


def env_int(name: str, default: int, *, minimum: int, maximum: float = math.inf) -> int:
    return _env_number(name, default, int, "a whole number", minimum, maximum)


def _env_number(name, default, convert, kind: str, minimum: float, maximum: float):
    """A finite number from ``minimum`` to ``maximum``: a negative timeout or a NaN is refused at
    start, not found out when the first request uses it."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = convert(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not {kind}") from None
    if not (math.isfinite(value) and minimum <= value <= maximum):  # NaN fails this too
        raise ImproperlyConfigured(f"{name}={raw!r}: use {kind} {_range(minimum, maximum)}")
    return value


def _range(minimum: float, maximum: float) -> str:
    return f"of at least {_number(minimum)}" if maximum == math.inf else f"from {_number(minimum)} to {_number(maximum)}"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


# Where the other services answer in the local stack (`make dev`, scripts/stack.py).
DEVELOPMENT_URLS = {
    "JWT_JWKS_URL": "http://127.0.0.1:4001/.well-known/jwks.json",
    "USERS_SERVICE_URL": "http://127.0.0.1:4001/graphql",
    "ORDERS_SERVICE_URL": "http://127.0.0.1:4002/graphql",
    "PAYMENTS_SERVICE_URL": "http://127.0.0.1:4003/graphql",
}


def env_service_url(name: str) -> str:
    """Where another service answers: the local stack's address in development; in production it
    must be set, as 127.0.0.1 there is the service's own container and a call would fail only
    when a request needs it."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        if os.environ.get("DJANGO_ENV") == "production":
            raise ImproperlyConfigured(f"{name} must be set when DJANGO_ENV=production")
        return DEVELOPMENT_URLS[name]
    parts = urlsplit(raw)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an http(s) URL")
    return raw


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_config(default_sqlite_path: Path) -> dict:
    """The ``default`` database: ``DATABASE_URL`` when set, else a SQLite file of the service's own.

    Accepted URLs: ``postgres://user:password@host:port/name?param=value&...`` (also
    ``postgresql://``; percent-encoded parts are decoded; the query's parameters are libpq's, such
    as ``sslmode=verify-full``) and ``sqlite:////absolute/path.sqlite3``. Anything else, or a part
    that would be ignored, stops the service at start rather than connecting in some other way.
    """
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        if os.environ.get("DJANGO_ENV") == "production":  # a misspelt name must not serve from an empty file
            raise ImproperlyConfigured(
                "DATABASE_URL must be set when DJANGO_ENV=production (postgres://... or sqlite:////absolute/path.sqlite3)"
            )
        return _sqlite(default_sqlite_path)
    parts = urlsplit(url)
    if parts.fragment:
        raise ImproperlyConfigured("DATABASE_URL has a '#' (in the password, write it %23)")
    if parts.scheme == "sqlite":
        return _sqlite(_sqlite_path(parts))
    if parts.scheme in {"postgres", "postgresql"}:
        return _postgres(parts)
    raise ImproperlyConfigured(f"DATABASE_URL scheme {parts.scheme!r} is not supported (postgres or sqlite)")


def _sqlite_path(parts: SplitResult) -> Path:
    # sqlite://name/... would otherwise be the file /... with the name dropped.
    if parts.netloc or parts.query:
        raise ImproperlyConfigured("DATABASE_URL: a sqlite URL has no host or parameters: sqlite:////absolute/path.sqlite3")
    path = Path(unquote(parts.path[1:]))  # the path after sqlite:/// (a fourth slash starts an absolute one)
    if not path.is_absolute():
        raise ImproperlyConfigured(f"DATABASE_URL: the SQLite file {str(path)!r} is not an absolute path: sqlite:////absolute/path.sqlite3")
    return path


DEFAULT_CONNECT_TIMEOUT = 3  # seconds; ?connect_timeout= in DATABASE_URL sets another

# libpq parameters that the URL's own parts give: Django passes NAME, USER, PASSWORD, HOST and PORT
# over the same names in OPTIONS, so a ?host= would be ignored.
_URL_PARTS = {"user", "password", "host", "port", "dbname"}


def _postgres(parts: SplitResult) -> dict:
    # The URL's text is never quoted back in a message: it holds the password.
    try:
        port_valid = parts.port != 0
    except ValueError:  # not a number, or beyond 65535
        port_valid = False
    if not port_valid:
        raise ImproperlyConfigured(
            "DATABASE_URL: the port is not a number from 1 to 65535 (in the password, write / ? @ as %2F %3F %40)"
        )
    name = unquote(parts.path.removeprefix("/"))
    # libpq waits for a server that accepts and never answers as long as TCP lets it: each request
    # would hold its gunicorn thread, until none is left for /health and the liveness probe.
    options = _libpq_parameters(parts.query)
    if not ("service" in options or "PGCONNECT_TIMEOUT" in os.environ):  # those may set one: libpq's to read
        options = {"connect_timeout": str(DEFAULT_CONNECT_TIMEOUT), **options}
    if not (name or "service" in options):
        raise ImproperlyConfigured("DATABASE_URL names no database: postgres://user:password@host:5432/name")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": unquote(parts.hostname or ""),  # or a Unix socket's directory, percent-encoded: %2Frun%2Fpostgresql
        "PORT": str(parts.port or ""),
        "OPTIONS": options,
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }


def _libpq_parameters(query: str) -> dict[str, str]:
    """The query's ``name=value`` pairs, percent-decoded as libpq reads them ('+' stays a plus), which
    psycopg2 passes on to libpq. A name libpq does not know stops the service at start: a misspelt
    ssl_mode must not leave libpq's default, prefer, which connects without TLS when it cannot have it."""
    from psycopg2 import ProgrammingError
    from psycopg2.extensions import make_dsn

    parameters: dict[str, str] = {}
    for pair in query.split("&") if query else ():
        name, equals, value = (unquote(part) for part in pair.partition("="))
        if not equals:  # not quoted back: it may be a piece of a password with an unencoded '?'
            raise ImproperlyConfigured("DATABASE_URL: the query is not name=value pairs (in the password, write ? as %3F)")
        if name in parameters:
            raise ImproperlyConfigured(f"DATABASE_URL: the query parameter {name!r} is given twice")
        if name in _URL_PARTS:
            raise ImproperlyConfigured(f"DATABASE_URL: give {name} in the URL itself, not as ?{name}=")
        try:
            make_dsn(**{name: value})  # libpq parses it: an unknown name is an error
        except ProgrammingError:
            raise ImproperlyConfigured(f"DATABASE_URL: {name!r} is not a libpq connection parameter") from None
        parameters[name] = value
    return parameters


def _sqlite(path: Path) -> dict:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        # A connection per worker thread, kept: opening one (and its PRAGMAs) for every request
        # was 5% of a small request's CPU.
        "CONN_MAX_AGE": 60,
        "OPTIONS": {
            # Writers queue on one lock taken at BEGIN instead of failing mid-transaction,
            # and WAL lets readers carry on while a worker writes.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }
