"""The users service's signing keys, the tokens it issues, and the JWKS it publishes.

Keys are RS256 private keys in PEM files, ``<kid>.pem`` in ``JWT_KEYS_DIR``. Tokens are
signed with ``JWT_SIGNING_KID``, by default with the newest key (:func:`newest_kid`); every key
in the folder is published, so tokens signed with the previous key stay valid during a rotation:
add a key (``manage.py rotate_jwt_key``), restart, and remove the old one once its tokens expire.
"""

import re
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import jwt
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from federation_kit.tokens import ALGORITHMS


MIN_KEY_BITS = 2048
# rotate_jwt_key names a key by the UTC time it made it: 20251231T235959123456.
KID_TIME_FORMAT = "%Y%m%dT%H%M%S%f"


def load_key(path: Path) -> rsa.RSAPrivateKey:
    """The key in ``path``, refused (naming the file) unless an unencrypted RSA private key of
    2048 bits or more: RS256 signs with nothing else, and a JWKS with another kind of key in it
    cannot be served, so no token could be verified."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:
        raise ImproperlyConfigured(f"{path}: not an unencrypted private key in PEM ({error})") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ImproperlyConfigured(f"{path}: not an RSA key but {type(key).__name__} (tokens are RS256)")
    if key.key_size < MIN_KEY_BITS:
        raise ImproperlyConfigured(f"{path}: an RSA key of {key.key_size} bits; use {MIN_KEY_BITS} or more")
    return key


def key_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.pem"))


@cache
def private_keys() -> dict[str, rsa.RSAPrivateKey]:
    folder = Path(settings.JWT_KEYS_DIR)
    keys = {path.stem: load_key(path) for path in key_files(folder)}
    if not keys:
        raise ImproperlyConfigured(f"no signing key in JWT_KEYS_DIR={folder}: run `manage.py rotate_jwt_key`")
    return keys


def kid_time(kid: str) -> datetime | None:
    """When rotate_jwt_key made the key with this kid; None for a kid named otherwise."""
    if not re.fullmatch(r"\d{8}T\d{12}", kid):
        return None
    try:
        return datetime.strptime(kid, KID_TIME_FORMAT).replace(tzinfo=UTC)
    except ValueError:  # digits, but no such time
        return None


def newest_kid(kids: list[str]) -> str:
    """The key that signs unless JWT_SIGNING_KID says otherwise: the newest of those rotate_jwt_key
    named, so that the key it adds signs whatever the other files are called (a name that merely
    sorts last, such as prod-key-2025, would outrank every later rotation); a key named otherwise
    signs only when it is the only one."""
    dated = [kid for kid in kids if kid_time(kid)]
    if dated:
        return max(dated, key=kid_time)
    if len(kids) == 1:
        return kids[0]
    raise ImproperlyConfigured(
        f"JWT_KEYS_DIR={settings.JWT_KEYS_DIR} has several keys ({', '.join(kids)}) and none named by"
        " rotate_jwt_key: set JWT_SIGNING_KID to the one that signs"
    )


def signing_kid() -> str:
    return settings.JWT_SIGNING_KID or newest_kid(list(private_keys()))


def issue_token(user) -> tuple[str, datetime]:
    now = timezone.now()
    expires_at = now + timedelta(seconds=settings.JWT_LIFETIME_SECONDS)
    claims = {
        "iss": settings.JWT_ISSUER,
        "aud": settings.JWT_AUDIENCE,
        "sub": str(user.pk),
        "iat": now,
        "exp": expires_at,
        "staff": user.is_staff,
    }
    kid = signing_kid()
    return jwt.encode(claims, private_keys()[kid], algorithm=ALGORITHMS[0], headers={"kid": kid}), expires_at


def public_key_for(token: str) -> Any:
    """Verification key for a token, from the local keys (the users service needs no JWKS call)."""
    kid = jwt.get_unverified_header(token).get("kid")
    if kid not in private_keys():
        raise jwt.InvalidKeyError(f"unknown key id {kid!r}")
    return private_keys()[kid].public_key()


def jwks() -> dict[str, list[dict[str, Any]]]:
    keys = []
    for kid, key in private_keys().items():
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
        keys.append({**jwk, "kid": kid, "use": "sig", "alg": ALGORITHMS[0]})
    return {"keys": keys}


def new_key_file(folder: Path) -> Path:
    """Write a fresh 2048-bit RSA key named by the current UTC time (the newest such key signs)."""
    folder.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=MIN_KEY_BITS)
    path = folder / f"{timezone.now().strftime(KID_TIME_FORMAT)}.pem"
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    path.chmod(0o600)
    return path
