"""Who is asking: the JWT the router verified, verified again here (defence in depth).

The users service issues RS256 tokens and publishes its public keys as JWKS; every
subgraph checks the forwarded ``Authorization: Bearer`` token against them. No token
means an anonymous viewer; a bad one is refused before any resolver runs
(:mod:`federation_kit.middleware`). Django, PyJWT and the standard library only: the
benchmark's graphene peer runs the same check without Strawberry.
"""

import re
import time
from dataclasses import dataclass
from functools import cache
from typing import Any

import jwt
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from federation_kit.jwks import JWKSKeys, UnknownKey

ALGORITHMS = ["RS256"]
# A user id in decimal, as the users service puts it in `sub`: at most 18 digits, under the 64-bit
# integers the databases keep ids in. The router checks the same (supergraph/bearer-tokens.mjs, USER_ID).
USER_ID = re.compile(r"[1-9][0-9]{0,17}")
# Seconds by which this host's clock may run behind or ahead of the users service's: a token is
# used as soon as it is issued, and its `iat` must not look as if it were in the future.
CLOCK_LEEWAY = 5


@dataclass(frozen=True)
class Viewer:
    user_id: int | None = None
    is_staff: bool = False

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    def may_see(self, owner_id: int) -> bool:
        return self.is_staff or (self.user_id is not None and self.user_id == owner_id)


ANONYMOUS = Viewer()


class InvalidToken(Exception):
    """The token is not one the users service issued for us, or no longer valid."""


@cache
def _jwks() -> JWKSKeys:
    return JWKSKeys(settings.JWT_JWKS_URL, settings.DEPENDENCY_TIMEOUT)


def jwks_public_key(token: str) -> Any:
    """The key that signed ``token``, from the users service's JWKS."""
    kid = jwt.get_unverified_header(token).get("kid")
    if not isinstance(kid, str) or not kid:
        raise InvalidToken("the token names no key")
    try:
        return _jwks().key_for(kid)
    except UnknownKey:
        raise InvalidToken(f"the users service publishes no key {kid!r}") from None


# A token verified once is taken as verified for a minute (less if it expires sooner): checking
# an RS256 signature was 5% of a small request's CPU, and each request brings the same token to
# every subgraph. A key withdrawn from the JWKS is trusted for up to five minutes anyway
# (federation_kit.jwks); within a minute here. Bounded: emptied when full.
VERIFIED_FOR = 60
VERIFIED_TOKENS_MAX = 4096
_verified: dict[str, tuple[Viewer, float]] = {}


@receiver(setting_changed)
def _forget_verified_tokens(setting: str, **kwargs: Any) -> None:
    if setting.startswith("JWT_"):
        _verified.clear()
        _jwks.cache_clear()


def viewer_from_token(token: str) -> Viewer:
    now = time.time()
    verified = _verified.get(token)
    if verified is not None and now < verified[1]:
        return verified[0]
    viewer, expires = _verify(token)
    if len(_verified) >= VERIFIED_TOKENS_MAX:
        _verified.clear()
    _verified[token] = (viewer, min(expires, now + VERIFIED_FOR))
    return viewer


def _verify(token: str) -> tuple[Viewer, float]:
    """The token's viewer and expiry time, if the users service signed it for us and it is valid now."""
    key_for = import_string(settings.JWT_PUBLIC_KEY_PROVIDER)
    try:
        claims = jwt.decode(
            token,
            key_for(token),
            algorithms=ALGORITHMS,
            audience=settings.JWT_AUDIENCE,
            issuer=settings.JWT_ISSUER,
            leeway=CLOCK_LEEWAY,
            options={"require": ["exp", "iat", "sub", "iss", "aud"]},
        )
    except (jwt.PyJWTError, KeyError, ValueError, TypeError) as error:
        raise InvalidToken(str(error)) from None
    # The user's id in decimal, as the users service issues it (int() takes "+1", " 1", "1_0", "١").
    if not isinstance(claims["sub"], str) or not USER_ID.fullmatch(claims["sub"]):
        raise InvalidToken("The token's sub is not a user id")
    if not isinstance(staff := claims.get("staff", False), bool):
        raise InvalidToken("The token's staff claim is not true or false")
    return Viewer(user_id=int(claims["sub"]), is_staff=staff), float(claims["exp"])


def viewer_from_authorization(header: str | None) -> Viewer:
    if not header:
        return ANONYMOUS
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise InvalidToken("Authorization must be 'Bearer <token>'")
    return viewer_from_token(token.strip())
