"""Usernames and emails are unique whatever their case, in the database itself: a sign-up that
loses a race between its checks and its insert gets the code of what the other one took."""

import itertools

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Value
from django.db.migrations.executor import MigrationExecutor

from accounts import schema
from accounts.models import User, username_key
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
@pytest.mark.parametrize(
    ("before", "usernames", "message", "renamed"),
    [
        # 0002's constraint: names equal to LOWER().
        ("0001_initial", ["bob", "Bob", "alice", "ALICE", "carol"], "several cases: alice, bob. Rename", ["Bob", "ALICE"]),
        # 0004's key: "STRASSE"/"Straße" and "FILE"/"ﬁle" are not the same to LOWER() on either
        # database, so they passed 0002; case folding makes each pair one name.
        (
            "0003_user_manager_case_insensitive",
            ["Straße", "STRASSE", "ﬁle", "FILE", "carol"],
            "several cases: file: FILE, ﬁle; strasse: STRASSE, Straße. Rename",
            ["STRASSE", "FILE"],
        ),
    ],
)
def test_a_migration_names_usernames_taken_in_several_cases_and_stops(before, usernames, message, renamed):
    executor = MigrationExecutor(connection)
    start, after = [("accounts", before)], executor.loader.graph.leaf_nodes("accounts")
    executor.migrate(start)
    OldUser = executor.loader.project_state(start).apps.get_model("accounts", "User")
    try:
        for number, username in enumerate(usernames):
            OldUser.objects.create(username=username, email=f"user{number}@example.com")
        executor.loader.build_graph()
        with pytest.raises(RuntimeError, match=message):
            executor.migrate(after)
    finally:
        # Renamed (here: deleted), the rest migrates; the other tests need the schema back.
        OldUser.objects.filter(username__in=renamed).delete()
        executor.loader.build_graph()
        executor.migrate(after)
    kept = [name for name in usernames if name not in renamed]
    assert list(User.objects.values_list("username", "username_key")) == [(name, username_key(name)) for name in kept]


# Letters the database's own LOWER() does not fold as Python's casefold does: non-ASCII ones on
# SQLite (É, Ö); "ß" and the ligature "ﬁ" on PostgreSQL too ("STRASSE" is "straße" folded).
CASE_VARIANTS = [("émile", "Émile"), ("Ölaf", "ölaf"), ("straße", "STRASSE"), ("ﬁle", "FILE")]


@pytest.mark.parametrize(("first", "second"), CASE_VARIANTS)
def test_create_user_refuses_a_username_taken_in_another_case_whatever_the_letters(client, first, second):
    assert "errors" not in graphql(client, CREATE, {"input": {**GRACE, "username": first}})
    body = graphql(client, CREATE, {"input": {**GRACE, "username": second, "email": "other@example.com"}})
    assert error_codes(body) == ["USERNAME_TAKEN"]
    assert User.objects.count() == 1


@pytest.mark.parametrize(("first", "second"), CASE_VARIANTS)
def test_the_database_refuses_a_username_taken_in_another_case_whatever_the_letters(first, second):
    User.objects.create(username=first, email="first@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username=second, email="second@example.com")


@pytest.mark.parametrize(("first", "second"), CASE_VARIANTS)
def test_update_sets_the_username_key_and_the_stored_email(first, second):
    User.objects.create(username=first, email="first@example.com")
    other = User.objects.create(username="other", email="other@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=other.pk).update(username=second)
    User.objects.filter(pk=other.pk).update(username="zoë", email="Zoë@Example.COM")
    assert User.objects.get_by_natural_key("ZOË").email == "zoë@example.com"


@pytest.mark.parametrize(("first", "second"), CASE_VARIANTS)
def test_bulk_create_and_bulk_update_set_the_username_key(first, second):
    [user] = User.objects.bulk_create([User(username=first, email="first@example.com")])
    assert User.objects.get(pk=user.pk).username_key == User.objects.get_by_natural_key(second).username_key
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.all().bulk_create([User(username=second, email="second@example.com")])
    other = User.objects.create(username="other", email="other@example.com")
    other.username = second
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.bulk_update([other], ["username"])


def test_renaming_a_user_updates_the_key_with_update_fields():
    user = User.objects.create(username="émile", email="emile@example.com")
    user.username = "zoë"
    user.save(update_fields=["username"])
    assert User.objects.get_by_natural_key("ZOË").pk == user.pk
    User.objects.create(username="Émile", email="other@example.com")  # free again


def test_a_form_that_edits_the_username_is_told_it_is_taken():
    from django.contrib.auth.forms import UserChangeForm

    User.objects.create(username="émile", email="emile@example.com")
    other = User.objects.create(username="other", email="other@example.com")

    class Form(UserChangeForm):
        class Meta(UserChangeForm.Meta):
            model = User
            fields = ["username"]

    form = Form({"username": "Émile"}, instance=other)
    assert not form.is_valid() and list(form.errors) == ["username"]


@pytest.mark.parametrize(("first", "second"), CASE_VARIANTS)
def test_a_sign_up_that_loses_the_race_to_a_case_variant_gets_username_taken(client, monkeypatch, first, second):
    refuse_if_taken, check_number = schema.refuse_if_taken, itertools.count(1)

    def rival_signs_up_right_after_the_check(username, email):
        refuse_if_taken(username, email)
        if next(check_number) == 1:
            User.objects.create(username=second, email="rival@example.com")

    monkeypatch.setattr(schema, "refuse_if_taken", rival_signs_up_right_after_the_check)
    body = graphql(client, CREATE, {"input": {**GRACE, "username": first}})
    assert error_codes(body) == ["USERNAME_TAKEN"]
    assert list(User.objects.values_list("username", flat=True)) == [second]


# Emails the database's LOWER() tells apart on SQLite (non-ASCII letters): the same once stored.
EMAIL_VARIANTS = [("émile@example.org", "ÉMILE@example.org"), ("Ölaf@Example.ORG", "ölaf@example.org")]


@pytest.mark.parametrize(("first", "second"), EMAIL_VARIANTS)
def test_every_write_stores_the_email_lowercased_whole(first, second):
    # Django's normalize_email (the admin's, createsuperuser's) lowercases the domain only.
    user = User.objects.create_user("first", first, "x")
    assert User.objects.get(pk=user.pk).email == first.lower()
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="second", email=second)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.bulk_create([User(username="second", email=second)])
    other = User.objects.create(username="other", email="other@example.org")
    other.email = second
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.bulk_update([other], ["email"])


# Valid to a form (Django's EmailValidator takes non-ASCII letters in the domain only); the last
# is the same address only in NFKC (a fullwidth "ｅ"), which Django's normalize_email does not do.
@pytest.mark.parametrize(
    ("first", "second"),
    [("grace@example.com", "Grace@Example.COM"), ("ada@éxample.org", "ADA@ÉXAMPLE.org"), ("ada@example.org", "ada@ｅxample.org")],
)
def test_a_form_that_edits_the_email_is_told_it_is_taken(first, second):
    User.objects.create(username="first", email=first)
    with pytest.raises(ValidationError, match="A user with that email already exists."):
        User(username="second", email=second).full_clean(exclude=["password"])


@pytest.mark.django_db(transaction=True)
def test_a_migration_names_emails_registered_in_several_forms_and_stores_the_rest():
    executor = MigrationExecutor(connection)
    start, after = [("accounts", "0005_username_key_unique")], executor.loader.graph.leaf_nodes("accounts")
    executor.migrate(start)
    OldUser = executor.loader.project_state(start).apps.get_model("accounts", "User")
    emails = ["Émile@Example.org", "émile@example.org", "Carol@Example.ORG"]
    try:
        for number, email in enumerate(emails):
            # Its base manager's plain queryset: today's would store the email lowercased.
            OldUser._base_manager.bulk_create([OldUser(username=f"user{number}", username_key=f"user{number}", email=email)])
        executor.loader.build_graph()
        with pytest.raises(RuntimeError, match="several forms: émile@example.org: user0 \\('Émile@Example.org'\\), user1 \\('émile@example.org'\\). Change"):
            executor.migrate(after)
    finally:
        OldUser.objects.filter(username="user0").delete()
        executor.loader.build_graph()
        executor.migrate(after)
    assert list(User.objects.values_list("email", flat=True)) == ["émile@example.org", "carol@example.org"]


def test_create_user_finds_an_email_stored_otherwise(client):
    # An update with an expression stores what the database computes, unnormalised.
    User.objects.create(username="grace", email="grace@example.com")
    User.objects.update(email=Value("Grace@Example.com"))
    body = graphql(client, CREATE, {"input": {**GRACE, "username": "rival"}})
    assert error_codes(body) == ["EMAIL_TAKEN"]


def test_update_refuses_a_username_it_cannot_key():
    User.objects.create(username="grace", email="grace@example.com")
    with pytest.raises(TypeError, match="username_key is computed from it in Python"):
        User.objects.update(username=Value("Grace"))


def test_the_admin_adds_users_with_their_email_and_is_told_when_it_is_taken(client):
    admin = User.objects.create_superuser("root", "root@example.com", "x")
    client.force_login(admin)
    password = {"usable_password": "true", "password1": "Sup3r-Secret-x9", "password2": "Sup3r-Secret-x9"}
    added = client.post("/admin/accounts/user/add/", {"username": "grace", "email": "Grace@Example.com", "full_name": "Grace", **password})
    assert added.status_code == 302, added.content[:500]
    assert User.objects.get(username="grace").email == "grace@example.com"
    taken = client.post("/admin/accounts/user/add/", {"username": "rival", "email": "GRACE@example.com", **password})
    assert taken.status_code == 200 and b"A user with that email already exists." in taken.content
    assert not User.objects.filter(username="rival").exists()
