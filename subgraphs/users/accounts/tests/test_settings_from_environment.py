"""federation_kit's settings from the environment (env.py, base_settings.py), shared by every service:
a value that cannot be used as written stops the service at start, naming the variable."""

import runpy
import socket
import threading
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.utils import ConnectionHandler, OperationalError

from federation_kit import base_settings
from federation_kit.env import database_config

DEFAULT = Path("/srv/default.sqlite3")
PASSWORD = "s3cret-pass"


def config_of(monkeypatch, url: str) -> dict:
    monkeypatch.setenv("DATABASE_URL", url)
    return database_config(DEFAULT)


def test_a_postgres_url_passes_its_libpq_parameters_on_to_the_connection(monkeypatch):
    config = config_of(
        monkeypatch,
        "postgres://app:s3cret-pass@db.internal:6432/shop?sslmode=verify-full&sslrootcert=/etc/ssl/db-ca.pem"
        "&connect_timeout=5&application_name=users&options=-c%20statement_timeout%3D5000&target_session_attrs=read-write",
    )
    parameters = ConnectionHandler({"default": config})["default"].get_connection_params()
    assert parameters == {
        "client_encoding": "UTF8",
        "dbname": "shop",
        "user": "app",
        "password": PASSWORD,
        "host": "db.internal",
        "port": "6432",
        "sslmode": "verify-full",
        "sslrootcert": "/etc/ssl/db-ca.pem",
        "connect_timeout": "5",
        "application_name": "users",
        "options": "-c statement_timeout=5000",
        "target_session_attrs": "read-write",
        "cursor_factory": parameters["cursor_factory"],  # Django's own
    }


def test_a_postgres_url_is_percent_decoded(monkeypatch):
    config = config_of(monkeypatch, "postgresql://app%40team:p%2Fa%3Fs%23s%40w+rd@%2Frun%2Fpostgresql/my%20shop")
    assert (config["USER"], config["PASSWORD"], config["HOST"], config["NAME"]) == ("app@team", "p/a?s#s@w+rd", "/run/postgresql", "my shop")
    assert (config["PORT"], config["OPTIONS"]) == ("", {"connect_timeout": "3"})


def test_a_database_that_accepts_and_never_answers_fails_within_the_connect_timeout(monkeypatch):
    # What a hung server or a black-holing firewall does: the TCP handshake completes, then silence.
    with socket.create_server(("127.0.0.1", 0)) as silent:
        url = f"postgres://app:s3cret-pass@127.0.0.1:{silent.getsockname()[1]}/shop"
        connection = ConnectionHandler({"default": config_of(monkeypatch, url)})["default"]
        failures = []

        def connect():
            try:
                connection.ensure_connection()
            except OperationalError as error:
                failures.append(str(error))

        attempt = threading.Thread(target=connect, daemon=True)  # without a timeout it would wait forever
        attempt.start()
        attempt.join(timeout=10)
    assert not attempt.is_alive() and "timeout expired" in failures[0]


def test_libpqs_own_connect_timeout_is_left_to_it(monkeypatch):
    assert "connect_timeout" not in config_of(monkeypatch, "postgres:///shop?service=shop")["OPTIONS"]
    monkeypatch.setenv("PGCONNECT_TIMEOUT", "10")
    assert config_of(monkeypatch, "postgres://app@db/shop")["OPTIONS"] == {}


def test_production_needs_a_database_url(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("DJANGO_ENV", "production")
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL must be set when DJANGO_ENV=production"):
        database_config(DEFAULT)
    assert config_of(monkeypatch, "sqlite:////var/lib/users/db.sqlite3")["NAME"] == Path("/var/lib/users/db.sqlite3")


def test_a_sqlite_url_is_an_absolute_path_and_no_url_is_the_services_own_file(monkeypatch):
    assert config_of(monkeypatch, "sqlite:////var/lib/users/db.sqlite3")["NAME"] == Path("/var/lib/users/db.sqlite3")
    monkeypatch.delenv("DATABASE_URL")
    assert database_config(DEFAULT)["NAME"] == DEFAULT


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sqlite://tmp/users.sqlite3", "a sqlite URL has no host or parameters: sqlite:////absolute/path.sqlite3"),
        ("sqlite:////tmp/users.sqlite3?mode=ro", "a sqlite URL has no host or parameters"),
        ("sqlite:///users.sqlite3", "the SQLite file 'users.sqlite3' is not an absolute path"),
        ("postgres://app:s3cret-pass@db:notaport/shop", "the port is not a number from 1 to 65535"),
        ("postgres://app:s3cret-pass@db:70000/shop", "the port is not a number from 1 to 65535"),
        ("postgres://app:s3cret-pass@db:0/shop", "the port is not a number from 1 to 65535"),
        ("postgres://app:s3cret/pass@db/shop", "the port is not a number from 1 to 65535 (in the password, write / ? @"),
        ("postgres://app:s3cret#pass@db/shop", "has a '#' (in the password, write it %23)"),
        ("postgres://app:5432?s3cret@db/shop", "the query is not name=value pairs (in the password, write ? as %3F)"),
        ("postgres://app:s3cret-pass@db/shop?ssl_mode=require", "'ssl_mode' is not a libpq connection parameter"),
        ("postgres://app:s3cret-pass@db/shop?isolation_level=1", "'isolation_level' is not a libpq connection parameter"),
        ("postgres://app:s3cret-pass@db/shop?sslmode=require&sslmode=disable", "the query parameter 'sslmode' is given twice"),
        ("postgres://app:s3cret-pass@db/shop?host=other", "give host in the URL itself, not as ?host="),
        ("postgres://app:s3cret-pass@db:5432", "names no database"),
        ("mysql://app:s3cret-pass@db/shop", "scheme 'mysql' is not supported (postgres or sqlite)"),
        ("/var/lib/users/db.sqlite3", "scheme '' is not supported"),
    ],
)
def test_a_database_url_that_cannot_be_used_as_written_is_refused_without_quoting_the_password(monkeypatch, url, message):
    with pytest.raises(ImproperlyConfigured) as refused:
        config_of(monkeypatch, url)
    assert str(refused.value).startswith("DATABASE_URL") and message in str(refused.value)
    assert "s3cret" not in str(refused.value)


PRODUCTION = {"DJANGO_ENV": "production", "DJANGO_SECRET_KEY": "x" * 50, "ROUTER_HMAC_SECRET": "y" * 32}


@pytest.mark.parametrize(
    ("switch", "message"),
    [("ALLOW_UNSIGNED_REQUESTS", "refuses ALLOW_UNSIGNED_REQUESTS"), ("GRAPHIQL", "production refuses GRAPHIQL")],
)
def test_production_refuses_the_development_switches(monkeypatch, switch, message):
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    for name in ("DJANGO_DEBUG", "ALLOW_UNSIGNED_REQUESTS", "GRAPHIQL"):
        monkeypatch.delenv(name, raising=False)
    runpy.run_path(base_settings.__file__)  # the production settings themselves are fine
    monkeypatch.setenv(switch, "1")
    with pytest.raises(ImproperlyConfigured, match=message):
        runpy.run_path(base_settings.__file__)
