from datetime import timedelta

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import FailedLogins, User
from federation_kit.testing import error_codes, graphql

LOGIN = "mutation($username: String!, $password: String!) { login(username: $username, password: $password) { token } }"
PASSWORD = "wonderland-42"


@pytest.fixture
def limit_of_three(settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 900


@pytest.fixture
def alice(db):
    return User.objects.create(username="alice", email="alice@example.com", password=make_password(PASSWORD))


def login(client, username="alice", password=PASSWORD) -> dict:
    return graphql(client, LOGIN, {"username": username, "password": password})


def fail_logins(client, username: str, times: int) -> None:
    for _ in range(times):
        assert error_codes(login(client, username, "wrong")) == ["INVALID_CREDENTIALS"]


def test_past_the_limit_even_the_right_password_is_refused_until_the_window_ends(client, limit_of_three, alice):
    fail_logins(client, "alice", 3)
    body = login(client)
    assert body["data"] is None and error_codes(body) == ["TOO_MANY_LOGIN_ATTEMPTS"]
    error = body["errors"][0]
    assert error["message"] == "Too many failed logins for this username: try again in 15 minutes"
    assert 899 <= error["extensions"]["retryAfter"] <= 900
    assert error_codes(login(client, " ALICE ")) == ["TOO_MANY_LOGIN_ATTEMPTS"]  # the same username
    FailedLogins.objects.update(window_started_at=FailedLogins.objects.get().window_started_at - timedelta(seconds=900))
    assert login(client)["data"]["login"]["token"]


def test_the_answer_tells_the_time_left_in_the_window(client, limit_of_three, alice):
    fail_logins(client, "alice", 3)
    FailedLogins.objects.update(window_started_at=FailedLogins.objects.get().window_started_at - timedelta(seconds=850))
    error = login(client)["errors"][0]
    assert 49 <= error["extensions"]["retryAfter"] <= 50
    assert error["message"] == "Too many failed logins for this username: try again in 1 minute"


def test_a_login_that_succeeds_ends_the_window(client, limit_of_three, alice):
    fail_logins(client, "alice", 2)
    assert login(client)["data"]["login"]["token"]
    assert not FailedLogins.objects.exists()
    fail_logins(client, "alice", 2)
    assert login(client)["data"]["login"]["token"]


def test_a_refused_login_reads_no_user_and_checks_no_password(client, limit_of_three, alice):
    fail_logins(client, "alice", 3)
    with CaptureQueriesContext(connection) as queries:
        assert error_codes(login(client)) == ["TOO_MANY_LOGIN_ATTEMPTS"]
    assert not [query for query in queries if "accounts_user" in query["sql"]]
    assert FailedLogins.objects.get().count == 3  # a refused attempt is not counted


def test_usernames_without_a_user_are_limited_the_same_way(client, limit_of_three, alice):
    fail_logins(client, "nobody", 3)
    assert error_codes(login(client, "nobody")) == ["TOO_MANY_LOGIN_ATTEMPTS"]
    assert login(client)["data"]["login"]["token"]  # alice's own count is hers


def test_rows_of_ended_windows_are_deleted_as_failures_come_in(client, limit_of_three, alice):
    fail_logins(client, "nobody", 1)
    FailedLogins.objects.update(window_started_at=FailedLogins.objects.get().window_started_at - timedelta(seconds=900))
    fail_logins(client, "alice", 1)
    assert list(FailedLogins.objects.values_list("username_key", "count")) == [("alice", 1)]


def test_a_username_longer_than_any_user_can_have_is_not_stored(client, limit_of_three, alice):
    fail_logins(client, "a" * 451, 4)  # its key is longer than any username's (three times 150)
    assert not FailedLogins.objects.exists()
