import pytest
from django.contrib.auth.hashers import make_password
from django.core.management import call_command

from accounts import tokens
from accounts.models import User
from federation_kit.demo import DEMO_PASSWORD
from federation_kit.testing import ENTITIES, error_codes, graphql, representations

USER_ENTITIES = ENTITIES % "... on User { id username fullName }"


def make_users(count: int) -> list[User]:
    password = make_password("x")
    return User.objects.bulk_create(
        User(username=f"u{i}", email=f"u{i}@example.com", full_name=f"User {i}", password=password)
        for i in range(count)
    )


@pytest.mark.parametrize("count", [1, 100, 5000])
def test_entities_cost_one_query_whatever_the_batch_size(client, django_assert_num_queries, count):
    users = make_users(count)
    ids = [u.id for u in reversed(users)]
    with django_assert_num_queries(1) as captured:
        body = graphql(client, USER_ENTITIES, {"r": representations("User", ids)})
    assert [e["id"] for e in body["data"]["_entities"]] == [str(i) for i in ids]
    assert "ORDER BY" not in captured.captured_queries[0]["sql"]  # the batch is picked out by id


def test_entities_keep_order_give_null_for_unknown_ids_and_repeat_duplicates(client, django_assert_num_queries):
    a, b = make_users(2)
    # Not ids as the services write them (int() would take all but the first): no entity.
    odd = ["not-a-number", f"+{a.id}", f" {a.id} ", f"0{a.id}"]
    reps = representations("User", [b.id, 999999, a.id, b.id]) + [{"__typename": "User", "id": i} for i in odd]
    with django_assert_num_queries(1):
        body = graphql(client, USER_ENTITIES, {"r": reps})
    assert body["data"]["_entities"] == [
        {"id": str(b.id), "username": "u1", "fullName": "User 1"},
        None,
        {"id": str(a.id), "username": "u0", "fullName": "User 0"},
        {"id": str(b.id), "username": "u1", "fullName": "User 1"},
        *[None] * len(odd),
    ]


def test_users_list_is_one_query_and_paginated(client, django_assert_num_queries):
    make_users(30)
    with django_assert_num_queries(1):
        body = graphql(client, "{ users(pagination: {offset: 10, limit: 5}) { username } }")
    assert [u["username"] for u in body["data"]["users"]] == ["u10", "u11", "u12", "u13", "u14"]


@pytest.mark.parametrize("pagination", ["", "(pagination: null)"])
def test_a_list_without_pagination_is_its_first_page_of_the_default_size(client, settings, pagination):
    make_users(settings.STRAWBERRY_DJANGO["PAGINATION_DEFAULT_LIMIT"] + 1)
    body = graphql(client, "{ users%s { id } }" % pagination)
    assert len(body["data"]["users"]) == settings.STRAWBERRY_DJANGO["PAGINATION_DEFAULT_LIMIT"]


@pytest.mark.parametrize("pagination", ["{limit: 501}", "{limit: 0}", "{offset: -1, limit: 5}"])
def test_page_size_and_offset_are_bounded_with_a_clear_error(client, pagination):
    body = graphql(client, "{ users(pagination: %s) { id } }" % pagination)
    assert body["data"] is None
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert "pagination" in body["errors"][0]["message"]


def test_user_by_id(client):
    (user,) = make_users(1)
    assert graphql(client, "{ user(id: %d) { username fullName } }" % user.id)["data"]["user"] == {
        "username": "u0",
        "fullName": "User 0",
    }
    assert graphql(client, "{ user(id: 424242) { username } }")["data"]["user"] is None
    assert error_codes(graphql(client, '{ user(id: "abc") { username } }')) == ["BAD_USER_INPUT"]


CREATE = """
mutation($input: CreateUserInput!) {
  createUser(input: $input) { id username email fullName dateJoined }
}
"""


def new_user(**overrides):
    return {"username": "grace", "email": "grace@example.com", "fullName": "Grace Hopper", "password": "c0bol-rules-1959", **overrides}


def test_create_user_stores_a_hashed_password(client):
    body = graphql(client, CREATE, {"input": new_user()})
    assert "errors" not in body, body
    created = body["data"]["createUser"]
    assert created["username"] == "grace" and created["fullName"] == "Grace Hopper"
    assert created["email"] == "grace@example.com"  # the one signing up sees their own email
    assert created["dateJoined"].endswith("+00:00")
    user = User.objects.get(pk=created["id"])
    assert user.password != "c0bol-rules-1959" and user.check_password("c0bol-rules-1959")


def test_create_user_by_a_signed_in_customer_answers_as_that_customer(client):
    # Only an anonymous caller becomes the new user for the answer: a signed-in one stays who
    # their token says, and another account's email is not theirs.
    customer = User.objects.create(username="ada", email="ada@example.com")
    body = graphql(client, CREATE, {"input": new_user()}, tokens.issue_token(customer)[0])
    assert body["data"]["createUser"]["email"] is None and error_codes(body) == ["FORBIDDEN"]


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"username": "GRACE"}, "USERNAME_TAKEN"),
        ({"username": "other", "email": "Grace@Example.com"}, "EMAIL_TAKEN"),
        # Fullwidth letters, stored as their NFKC form ("GRACE"): the same name to a reader.
        ({"username": "\uff27RACE"}, "USERNAME_TAKEN"),
        ({"username": "\uff47race"}, "USERNAME_TAKEN"),
        ({"username": "other", "email": "\uff47race@example.com"}, "EMAIL_TAKEN"),
    ],
)
def test_create_user_refuses_a_taken_username_or_email(client, overrides, code):
    graphql(client, CREATE, {"input": new_user()})
    body = graphql(client, CREATE, {"input": new_user(**overrides)})
    assert error_codes(body) == [code]
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"password": "123"}, "password"),
        ({"password": "password"}, "password"),
        ({"email": "not-an-email"}, "email"),
        ({"username": "has spaces!"}, "username"),
        ({"username": ""}, "username"),
        ({"fullName": "x" * 151}, "fullName"),
        ({"fullName": "Grace\u202e Hopper"}, "fullName"),
        ({"fullName": "Grace\nHopper"}, "fullName"),
        ({"fullName": "Grace\u2028Hopper"}, "fullName"),
    ],
)
def test_create_user_rejects_bad_input_and_writes_nothing(client, overrides, field):
    """Each error names the input field at fault as the client sent it (the frontend shows the
    message beside that field)."""
    body = graphql(client, CREATE, {"input": new_user(**overrides)})
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == field
    assert "full_name" not in body["errors"][0]["message"]  # the model's name for fullName
    assert not User.objects.exists()


def test_requests_that_do_not_fit_the_schema_get_codes(client):
    for _ in range(2):  # and again, when a parsed query is reused (federation_kit.schema.ParsedOnce)
        assert error_codes(graphql(client, "{ userz { id } }")) == ["GRAPHQL_VALIDATION_FAILED"]
        assert error_codes(graphql(client, "{ users { id ")) == ["GRAPHQL_PARSE_FAILED"]
    body = graphql(client, "query($id: ID!) { user(id: $id) { id } }", {"id": None})
    assert error_codes(body) == ["BAD_USER_INPUT"]


LOGIN = "mutation($p: String!) { login(username: \"ada\", password: $p) { token } }"


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("x\x00", "BAD_USER_INPUT"),
        ("\ud800", "BAD_USER_INPUT"),
        ("\\\x00", "BAD_USER_INPUT"),  # a backslash, then NUL
        ("\\u0000", "INVALID_CREDENTIALS"),  # the six characters, not NUL
        ("\U0001f600 \x01", "INVALID_CREDENTIALS"),
    ],
    ids=["NUL", "lone surrogate", "backslash and NUL", "backslash-u text", "emoji and a control character"],
)
def test_text_no_database_can_store_is_refused_before_any_resolver(client, password, code):
    """Variables (federation_kit.errors.RefuseUnstorableText); login answers only if they pass."""
    body = graphql(client, LOGIN, {"p": password})
    assert error_codes(body) == [code]
    if code == "BAD_USER_INPUT":  # named by the argument the variable is given to
        assert body["errors"][0]["extensions"]["field"] == "password"


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"fullName": "Grace\x00"}, "fullName"), ({"email": "\ud800@example.com"}, "email"), ({"\x00": "x"}, "input")],
    ids=["NUL in fullName", "surrogate in email", "NUL in a key: the argument holding it"],
)
def test_unstorable_text_in_an_input_object_is_named_by_its_field(client, fields, field):
    body = graphql(client, CREATE, {"input": {**new_user(), **fields}})
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"].get("field") == field
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("literal", "code"),
    [("x\\u0000", "BAD_USER_INPUT"), ("x\\\\u0000", "INVALID_CREDENTIALS"), ("\\uD800", "GRAPHQL_PARSE_FAILED")],
    ids=["NUL escape", "escaped backslash, then u0000", "surrogate escape (graphql-core's lexer refuses it)"],
)
def test_string_literals_are_checked_too(client, literal, code):
    query = 'mutation { login(username: "ada", password: "%s") { token } }' % literal
    body = graphql(client, query)
    assert error_codes(body) == [code]
    if code == "BAD_USER_INPUT":
        assert body["errors"][0]["extensions"]["field"] == "password"


@pytest.mark.parametrize(
    ("query", "variables", "field"),
    [
        ('mutation($n: String!) { createUser(input: {username: "g", email: "g@example.com", password: "c0bol-rules-1959", fullName: $n}) { id } }', {"n": "x\x00"}, "fullName"),
        ('mutation($p: String = "x\\u0000") { login(username: "ada", password: $p) { token } }', {}, "password"),
        ('mutation($p: String!) { login(username: "ada", password: $p) { token } }', {"p": "x", "unused": "x\x00"}, None),
    ],
    ids=["a variable in an input object literal", "a variable's default value", "a variable no argument takes"],
)
def test_unstorable_text_is_named_by_the_field_that_takes_it(client, query, variables, field):
    body = graphql(client, query, variables)
    assert error_codes(body) == ["BAD_USER_INPUT"] and body["errors"][0]["extensions"].get("field") == field


def test_a_string_literal_in_an_input_object_is_named_by_its_field(client):
    query = 'mutation { createUser(input: {username: "grace", email: "g@example.com", password: "c0bol-rules-1959", fullName: "x\\u0000"}) { id } }'
    body = graphql(client, query)
    assert error_codes(body) == ["BAD_USER_INPUT"] and body["errors"][0]["extensions"]["field"] == "fullName"


def test_seed_demo_is_deterministic_and_leaves_existing_data_alone(client):
    call_command("seed_demo", users=12)
    first = list(User.objects.values_list("id", "username", "email", "full_name"))
    assert len(first) == 12 and first[0][0] == 1
    assert User.objects.get(pk=3).check_password(DEMO_PASSWORD)
    call_command("seed_demo", users=40)
    assert list(User.objects.values_list("id", "username", "email", "full_name")) == first
    # New sign-ups continue after the demo ids (matters for PostgreSQL sequences).
    body = graphql(client, CREATE, {"input": new_user()})
    assert int(body["data"]["createUser"]["id"]) == 13
