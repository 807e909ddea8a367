"""Each service's production settings pass Django's deployment checks and refuse unsafe values."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "ROUTER_HMAC_SECRET": secrets.token_urlsafe(32),
    "JWT_JWKS_URL": "http://users:8000/.well-known/jwks.json",
    "USERS_SERVICE_URL": "http://users:8000/graphql",
    "ORDERS_SERVICE_URL": "http://orders:8000/graphql",
    "PAYMENTS_SERVICE_URL": "http://payments:8000/graphql",
    "DATABASE_URL": "postgres://orders:secret@db:5432/orders",
}


def manage(service: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in PRODUCTION and k != "DJANGO_DEBUG"}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT / "subgraphs" / service,
        env={**environ, **env},
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize("service", ["users", "orders", "payments"])
def test_check_deploy_is_clean(service):
    result = manage(service, "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"DJANGO_SECRET_KEY": ""}, "DJANGO_SECRET_KEY must be set"),
        ({"ROUTER_HMAC_SECRET": ""}, "production needs ROUTER_HMAC_SECRET"),
        ({"ALLOW_UNSIGNED_REQUESTS": "1"}, "refuses ALLOW_UNSIGNED_REQUESTS"),
        ({"DJANGO_DEBUG": "1"}, "DJANGO_DEBUG must be off"),
        ({"ROUTER_HMAC_SECRET": "15-characters.."}, "ROUTER_HMAC_SECRET must be at least 16 characters"),
        # A misspelt name must not leave the service serving from an empty SQLite file of its own.
        ({"DATABASE_URL": ""}, "DATABASE_URL must be set when DJANGO_ENV=production"),
        # The development default would be 127.0.0.1: in a container, the container itself.
        ({"PAYMENTS_SERVICE_URL": ""}, "PAYMENTS_SERVICE_URL must be set when DJANGO_ENV=production"),
        ({"JWT_JWKS_URL": ""}, "JWT_JWKS_URL must be set when DJANGO_ENV=production"),
        ({"USERS_SERVICE_URL": "users:8000/graphql"}, "USERS_SERVICE_URL='users:8000/graphql' is not an http(s) URL"),
    ],
)
def test_production_refuses_to_start_unsafe(change, message):
    result = manage("orders", "check", **{**PRODUCTION, **change})
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.parametrize(
    ("service", "name", "value", "message"),
    [
        ("orders", "DEPENDENCY_TIMEOUT", "nan", ": use a number from 0.1 to 300"),
        ("orders", "DEPENDENCY_TIMEOUT", "-1", ": use a number from 0.1 to 300"),
        ("orders", "DEPENDENCY_TIMEOUT", "soon", " is not a number"),
        ("orders", "OUTBOX_RETENTION_DAYS", "0", ": use a number from 1 to 3650"),
        ("orders", "OUTBOX_RETENTION_DAYS", "1e15", ": use a number from 1 to 3650"),
        ("orders", "DEPENDENCY_TIMEOUT", "inf", ": use a number from 0.1 to 300"),
        ("orders", "SECURE_HSTS_SECONDS", "2.5", " is not a whole number"),
        ("users", "JWT_LIFETIME_SECONDS", "-3600", ": use a number from 60 to 2592000"),
        ("users", "JWT_LIFETIME_SECONDS", "inf", ": use a number from 60 to 2592000"),
        ("users", "EMAIL_PORT", "70000", ": use a whole number from 1 to 65535"),
    ],
)
def test_numbers_out_of_range_are_refused_at_start(service, name, value, message):
    result = manage(service, "check", **{**PRODUCTION, name: value})
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {name}={value!r}{message}" in result.stderr


def test_every_service_url_has_a_development_default():
    result = manage("orders", "check")  # no URL set: the local stack's addresses
    assert result.returncode == 0, result.stderr
