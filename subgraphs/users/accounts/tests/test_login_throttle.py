from datetime import timedelta

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import FailedLogins, User, username_digest
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
    assert list(FailedLogins.objects.values_list("username_digest", "count")) == [(username_digest("alice"), 1)]


def test_a_row_keeps_no_username_typed(client, limit_of_three, alice):
    fail_logins(client, "Alice-Wonderland-42", 1)  # a password typed as the username
    (row,) = FailedLogins.objects.values_list("username_digest", "count", "window_started_at")
    assert row[0] == username_digest("alice-wonderland-42") and "onderland" not in str(row)
    fail_logins(client, "x" * 10_000, 1)
    assert FailedLogins.objects.count() == 2


def test_staff_find_a_username_in_the_admin_as_they_type_it_and_end_its_window(admin_client, limit_of_three, alice):
    fail_logins(admin_client, "alice", 3)
    fail_logins(admin_client, "bob", 1)
    found = admin_client.get("/admin/accounts/failedlogins/", {"q": " ALICE "})
    assert found.status_code == 200 and found.context["cl"].result_count == 1
    (row,) = found.context["cl"].result_list
    assert row.count == 3
    deleted = admin_client.post(f"/admin/accounts/failedlogins/{row.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302
    assert login(admin_client)["data"]["login"]["token"]
