import io
import re
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import SystemCheckError
from django.utils import timezone

from accounts import tokens


def test_a_signing_kid_without_its_key_stops_the_service_at_its_checks(settings):
    settings.JWT_SIGNING_KID = "20250101T000000000000"
    with pytest.raises(SystemCheckError, match=r"accounts.E001.*JWT_SIGNING_KID='20250101T000000000000': there is no"):
        call_command("check")


def test_a_signing_kid_with_its_key_passes(settings):
    settings.JWT_SIGNING_KID = next(Path(settings.JWT_KEYS_DIR).glob("*.pem")).stem
    call_command("check")


def write_key(folder: Path, kid: str, key=None, password: bytes | None = None) -> Path:
    key = key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
    encryption = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    path = folder / f"{kid}.pem"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption))
    return path


def issues() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for message in run_checks():
        found.setdefault(message.id, []).append(message.msg)
    return found


UNUSABLE_KEYS = {
    "RSA of 1024 bits": (lambda: rsa.generate_private_key(public_exponent=65537, key_size=1024), "an RSA key of 1024 bits; use 2048 or more"),
    "EC": (lambda: ec.generate_private_key(ec.SECP256R1()), "not an RSA key but ECPrivateKey"),
    "Ed25519": (lambda: ed25519.Ed25519PrivateKey.generate(), "not an RSA key but Ed25519PrivateKey"),
}


@pytest.mark.parametrize("kind", UNUSABLE_KEYS)
def test_a_key_that_cannot_sign_rs256_stops_the_service_at_its_checks_naming_the_file(settings, kind):
    make, message = UNUSABLE_KEYS[kind]
    path = write_key(Path(settings.JWT_KEYS_DIR), "byo", make())  # next to the good key
    with pytest.raises(SystemCheckError, match=rf"accounts.E002\) {re.escape(str(path))}: {message}"):
        call_command("check")


def test_an_encrypted_or_garbled_key_file_stops_the_service_at_its_checks_naming_the_file(settings):
    folder = Path(settings.JWT_KEYS_DIR)
    encrypted = write_key(folder, "encrypted", password=b"secret")
    garbled = folder / "garbled.pem"
    garbled.write_text("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")
    found = issues()["accounts.E002"]
    assert [message.split(":")[0] for message in found] == [str(encrypted), str(garbled)]
    assert all("not an unencrypted private key in PEM" in message for message in found)


def test_the_key_rotate_jwt_key_adds_signs_even_next_to_a_key_whose_name_sorts_after_it(settings):
    folder = Path(settings.JWT_KEYS_DIR)
    for path in folder.glob("*.pem"):
        path.unlink()
    write_key(folder, "prod-key-2025")  # brought by hand, the only key: it signs
    assert tokens.signing_kid() == "prod-key-2025" and not issues()

    call_command("rotate_jwt_key", stdout=io.StringIO())
    (new,) = [path.stem for path in folder.glob("2*.pem")]
    tokens.private_keys.cache_clear()
    assert sorted(tokens.private_keys()) == [new, "prod-key-2025"]  # by name it would lose
    token, _ = tokens.issue_token(SimpleNamespace(pk=1, is_staff=False))
    assert jwt.get_unverified_header(token)["kid"] == new
    assert issues() == {
        "accounts.W001": [f"prod-key-2025.pem in JWT_KEYS_DIR does not sign: {new}, the newest key rotate_jwt_key named, does (it is published and verifies tokens)"]
    }
    settings.JWT_SIGNING_KID = "prod-key-2025"
    assert tokens.signing_kid() == "prod-key-2025" and not issues()


def test_several_keys_none_named_by_rotate_jwt_key_need_jwt_signing_kid(settings):
    folder = Path(settings.JWT_KEYS_DIR)
    for path in folder.glob("*.pem"):
        path.unlink()
    write_key(folder, "prod-a")
    write_key(folder, "prod-b")
    assert "set JWT_SIGNING_KID to the one that signs" in issues()["accounts.E004"][0]
    with pytest.raises(ImproperlyConfigured, match="several keys"):
        tokens.signing_kid()
    settings.JWT_SIGNING_KID = "prod-a"
    assert tokens.signing_kid() == "prod-a" and not issues()

    # The other way out, which the failing checks must not block: a key named by rotate_jwt_key.
    settings.JWT_SIGNING_KID = ""
    execute_from_command_line(["manage.py", "rotate_jwt_key"])  # as an operator runs it: with its checks, if any
    tokens.private_keys.cache_clear()
    assert tokens.kid_time(tokens.signing_kid()) and "accounts.E004" not in issues()


def test_a_key_named_as_made_in_the_future_is_refused(settings):
    write_key(Path(settings.JWT_KEYS_DIR), "20991231T000000000000")
    (message,) = issues()["accounts.E003"]
    assert message.startswith("20991231T000000000000.pem in JWT_KEYS_DIR is named as made at 2099-12-31 00:00 UTC")
    write_key(Path(settings.JWT_KEYS_DIR), (timezone.now() + timedelta(hours=1)).strftime(tokens.KID_TIME_FORMAT))
    assert len(issues()["accounts.E003"]) == 1  # an hour ahead is a clock, not a misnamed key
