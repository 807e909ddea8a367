"""Usernames and emails are unique whatever their case, in the database itself: a sign-up that
loses a race between its checks and its insert gets the code of what the other one took."""

import itertools

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from accounts import schema
from accounts.models import User
from federation_kit.models import OutboxEvent
from federation_kit.testing import error_codes, graphql

CREATE = "mutation($input: CreateUserInput!) { createUser(input: $input) { id } }"
GRACE = {"username": "grace", "email": "grace@example.com", "fullName": "Grace Hopper", "password": "c0bol-rules-1959"}


@pytest.mark.parametrize(
    ("rival", "code"),
    [
        ({"username": "grace", "email": "rival@example.com"}, "USERNAME_TAKEN"),
        ({"username": "Grace", "email": "rival@example.com"}, "USERNAME_TAKEN"),
        ({"username": "rival", "email": "grace@example.com"}, "EMAIL_TAKEN"),
        ({"username": "rival", "email": "Grace@Example.com"}, "EMAIL_TAKEN"),
    ],
)
def test_a_sign_up_that_loses_the_race_to_the_insert_gets_the_code_of_what_was_taken(client, monkeypatch, rival, code):
    refuse_if_taken, check_number = schema.refuse_if_taken, itertools.count(1)

    def rival_signs_up_right_after_the_check(username, email):
        refuse_if_taken(username, email)
        if next(check_number) == 1:  # the check before the insert, not the one after it fails
            User.objects.create(**rival)

    monkeypatch.setattr(schema, "refuse_if_taken", rival_signs_up_right_after_the_check)
    body = graphql(client, CREATE, {"input": GRACE})
    assert error_codes(body) == [code]
    assert list(User.objects.values_list("username", flat=True)) == [rival["username"]]
    assert not OutboxEvent.objects.exists()


@pytest.mark.parametrize(
    "variant", [{"username": "Bob", "email": "other@example.com"}, {"username": "other", "email": "BOB@example.com"}]
)
def test_the_database_refuses_a_username_or_email_taken_in_another_case(variant):
    User.objects.create(username="bob", email="bob@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(**variant)


@pytest.mark.django_db(transaction=True)
def test_the_username_constraint_migration_names_usernames_taken_in_several_cases():
    executor = MigrationExecutor(connection)
    before, after = [("accounts", "0001_initial")], executor.loader.graph.leaf_nodes("accounts")
    executor.migrate(before)
    OldUser = executor.loader.project_state(before).apps.get_model("accounts", "User")
    try:
        for number, username in enumerate(["bob", "Bob", "alice", "ALICE", "carol"]):
            OldUser.objects.create(username=username, email=f"user{number}@example.com")
        executor.loader.build_graph()
        with pytest.raises(RuntimeError, match="several cases: alice, bob. Rename"):
            executor.migrate(after)
    finally:
        # Renamed (here: deleted), the rest migrates; the other tests need the constraint back.
        OldUser.objects.filter(username__in=["Bob", "ALICE"]).delete()
        executor.loader.build_graph()
        executor.migrate(after)
    assert list(User.objects.values_list("username", flat=True)) == ["bob", "alice", "carol"]
