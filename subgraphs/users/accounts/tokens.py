"""The users service's signing keys, the tokens it issues, and the JWKS it publishes.

Keys are RS256 private keys in PEM files, ``<kid>.pem`` in ``JWT_KEYS_DIR``. Tokens are
signed with ``JWT_SIGNING_KID`` (default: the last kid in sorted order); every key in the
folder is published, so tokens signed with the previous key stay valid during a rotation:
add a key (``manage.py rotate_jwt_key``), restart, and remove the old one once its tokens expire.
"""

from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from federation_kit.auth import ALGORITHMS


@cache
def private_keys() -> dict[str, rsa.RSAPrivateKey]:
    folder = Path(settings.JWT_KEYS_DIR)
    keys = {path.stem: serialization.load_pem_private_key(path.read_bytes(), None) for path in sorted(folder.glob("*.pem"))}
    if not keys:
        raise ImproperlyConfigured(f"no signing key in JWT_KEYS_DIR={folder}: run `manage.py rotate_jwt_key`")
    return keys


def signing_kid() -> str:
    return settings.JWT_SIGNING_KID or list(private_keys())[-1]


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
    """Write a fresh 2048-bit RSA key named by the current UTC time (so the newest sorts last)."""
    folder.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = folder / f"{timezone.now():%Y%m%dT%H%M%S%f}.pem"
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    path.chmod(0o600)
    return path
