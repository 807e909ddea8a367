"""Each service's production settings pass Django's deployment checks and refuse unsafe values."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {"DJANGO_ENV": "production", "DJANGO_SECRET_KEY": secrets.token_urlsafe(50), "ROUTER_HMAC_SECRET": secrets.token_urlsafe(32)}


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
    ],
)
def test_production_refuses_to_start_unsafe(change, message):
    result = manage("orders", "check", **{**PRODUCTION, **change})
    assert result.returncode != 0
    assert message in result.stderr
