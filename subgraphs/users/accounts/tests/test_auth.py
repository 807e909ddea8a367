import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from django.contrib.auth.hashers import make_password

from accounts import tokens
from accounts.models import User
from accounts.tokens import new_key_file
from federation_kit.signature import HEADER as SIGNATURE_HEADER, sign
from federation_kit.testing import TEST_HMAC_SECRET, error_codes, graphql, post_graphql, token_for

LOGIN = """
mutation($username: String!, $password: String!) {
  login(username: $username, password: $password) { token expiresAt user { id username email } }
}
"""


@pytest.fixture
def alice(db):
    return User.objects.create(username="alice", email="alice@example.com", password=make_password("wonderland-42"))


@pytest.fixture
def bob(db):
    return User.objects.create(username="bob", email="bob@example.com", password=make_password("builder-1234"))


def login(client, username="alice", password="wonderland-42") -> dict:
    return graphql(client, LOGIN, {"username": username, "password": password})


def test_login_issues_an_rs256_token_for_the_supergraph(client, settings, alice):
    result = login(client)["data"]["login"]
    assert result["user"] == {"id": str(alice.pk), "username": "alice", "email": "alice@example.com"}
    header = jwt.get_unverified_header(result["token"])
    assert header["alg"] == "RS256" and header["kid"] == tokens.signing_kid()
    claims = jwt.decode(result["token"], options={"verify_signature": False})
    assert (claims["sub"], claims["iss"], claims["aud"], claims["staff"]) == (
        str(alice.pk), settings.JWT_ISSUER, settings.JWT_AUDIENCE, False,
    )  # fmt: skip
    assert claims["exp"] - claims["iat"] == settings.JWT_LIFETIME_SECONDS


@pytest.mark.parametrize(("username", "password"), [("alice", "wrong"), ("nobody", "wonderland-42")])
def test_wrong_credentials_get_one_answer(client, alice, username, password):
    body = login(client, username, password)
    assert error_codes(body) == ["INVALID_CREDENTIALS"]
    assert body["errors"][0]["message"] == "Wrong username or password"


@pytest.mark.parametrize("username", ["Alice", "ALICE", "\uff41lice"])  # the last: a fullwidth "a"
def test_login_takes_the_username_in_any_case(client, alice, username):
    body = login(client, username)
    assert body["data"]["login"]["user"]["username"] == "alice"


@pytest.mark.parametrize(
    ("stored", "typed"), [("émile", "ÉMILE"), ("Ölaf", "ölaf"), ("straße", "STRASSE"), ("ﬁle", "FILE")]
)
def test_login_takes_the_username_in_any_case_whatever_the_letters(client, stored, typed):
    user = User.objects.create(username=stored, email="user@example.com", password=make_password("wonderland-42"))
    body = login(client, typed)
    assert body["data"]["login"]["user"]["id"] == str(user.pk)


@pytest.mark.parametrize("username", ["  alice  ", "\talice\n", " Alice"])
def test_login_takes_the_username_with_surrounding_spaces_as_create_user_does(client, alice, username):
    body = login(client, username)
    assert body["data"]["login"]["user"]["username"] == "alice"


def test_me_is_the_token_holder_and_null_when_anonymous(client, alice):
    token = login(client)["data"]["login"]["token"]
    assert graphql(client, "{ me { username } }", token=token)["data"]["me"] == {"username": "alice"}
    assert graphql(client, "{ me { username } }")["data"]["me"] is None


def test_email_is_for_its_owner_and_staff_only(client, alice, bob):
    query = "{ user(id: %d) { username email } }" % alice.pk
    own = graphql(client, query, token=token_of(client, "alice", "wonderland-42"))
    assert own["data"]["user"]["email"] == "alice@example.com"
    other = graphql(client, query, token=token_of(client, "bob", "builder-1234"))
    assert other["data"]["user"] == {"username": "alice", "email": None}
    assert error_codes(other) == ["FORBIDDEN"] and other["errors"][0]["path"] == ["user", "email"]
    assert error_codes(graphql(client, query)) == ["FORBIDDEN"]
    bob.is_staff = True
    bob.save()
    staff = graphql(client, query, token=token_of(client, "bob", "builder-1234"))
    assert staff["data"]["user"]["email"] == "alice@example.com" and "errors" not in staff


def token_of(client, username, password) -> str:
    return login(client, username, password)["data"]["login"]["token"]


def test_jwks_publishes_every_key_and_rotation_keeps_old_tokens_valid(client, settings, alice, tmp_path):
    old_token = token_of(client, "alice", "wonderland-42")
    new_key_file(tmp_path / "jwt-keys")
    tokens.private_keys.cache_clear()
    new_token = token_of(client, "alice", "wonderland-42")
    kids = [key["kid"] for key in client.get("/.well-known/jwks.json").json()["keys"]]
    assert len(kids) == 2 and jwt.get_unverified_header(new_token)["kid"] == kids[-1] != jwt.get_unverified_header(old_token)["kid"]
    for token in (old_token, new_token):
        assert graphql(client, "{ me { username } }", token=token)["data"]["me"] == {"username": "alice"}
    jwks = client.get("/.well-known/jwks.json").json()["keys"][-1]
    assert (jwks["kty"], jwks["alg"], jwks["use"]) == ("RSA", "RS256", "sig") and "d" not in jwks


def test_unsigned_requests_are_refused_before_any_resolver(client, alice):
    response = post_graphql(client, LOGIN, {"username": "alice", "password": "wonderland-42"}, signed=False)
    assert response.status_code == 403
    assert error_codes(response.json()) == ["FORBIDDEN"]


@pytest.mark.parametrize("tamper", [None, "another secret", "changed query", "changed variables", "changed extensions", "a GET"])
def test_a_wrongly_signed_request_is_refused(client, alice, tamper):
    query, variables = "query($id: ID!) { user(id: $id) { username } }", {"id": str(alice.pk)}
    body = json.dumps({"query": query, "variables": variables})
    signature = sign("another-secret" if tamper == "another secret" else TEST_HMAC_SECRET, body.encode())
    if tamper == "changed query":
        body = body.replace("username", "fullName")
    if tamper == "changed variables":
        body = body.replace(str(alice.pk), "2")
    if tamper == "changed extensions":
        body = body[:-1] + ', "extensions": {}}'
    headers = {SIGNATURE_HEADER: signature}
    if tamper == "a GET":  # its empty body signed, but not the query in its URL
        empty_body_signed = {SIGNATURE_HEADER: sign(TEST_HMAC_SECRET, b"")}
        response = client.get("/graphql", {"query": "{ user(id: 2) { username } }"}, headers=empty_body_signed)
    else:
        response = client.post("/graphql", data=body, content_type="application/json", headers=headers)
    assert response.status_code == (200 if tamper is None else 403), response.content
    # A signature that does not sign the body is told apart from none (the router reports it as its
    # deployment's fault); a GET is never signed.
    refused_as = {None: [], "a GET": ["FORBIDDEN"]}.get(tamper, ["ROUTER_SIGNATURE_INVALID"])
    assert error_codes(response.json()) == refused_as


def forged_tokens(user: User) -> dict[str, str]:
    now = int(time.time())
    key = tokens.private_keys()[tokens.signing_kid()]
    claims = {"iss": "django-supergraph-users", "aud": "django-supergraph", "sub": str(user.pk), "iat": now, "exp": now + 600}
    kid = {"kid": tokens.signing_kid()}
    return {
        "expired": jwt.encode({**claims, "exp": now - 10}, key, "RS256", headers=kid),
        "wrong audience": jwt.encode({**claims, "aud": "someone-else"}, key, "RS256", headers=kid),
        "wrong issuer": jwt.encode({**claims, "iss": "evil"}, key, "RS256", headers=kid),
        "alg none": jwt.encode({**claims}, None, "none", headers=kid),
        "HS256 with the public key": _hs256_with_public_key(claims, kid),
        "unknown key": token_for(user.pk, kid="x"),
        "not a jwt": "not-a-jwt",
    }


def _hs256_with_public_key(claims, kid) -> str:
    """The classic confusion attack: an HMAC signature keyed by the published public key."""

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", **kid}).encode())
    payload = b64(json.dumps(claims).encode())
    public_pem = tokens.private_keys()[tokens.signing_kid()].public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signature = b64(hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest())
    return f"{header}.{payload}.{signature}"


@pytest.mark.parametrize("kind", ["expired", "wrong audience", "wrong issuer", "alg none", "HS256 with the public key", "unknown key", "not a jwt"])
def test_bad_tokens_are_unauthenticated(client, alice, kind):
    response = post_graphql(client, "{ me { id } }", token=forged_tokens(alice)[kind])
    assert response.status_code == 401
    assert error_codes(response.json()) == ["UNAUTHENTICATED"]
