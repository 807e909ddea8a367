"""Who is asking: the JWT the router verified, verified again here (defence in depth).

The users service issues RS256 tokens and publishes its public keys as JWKS; every
subgraph checks the forwarded ``Authorization: Bearer`` token against them. No token
means an anonymous viewer; a bad one is refused before any resolver runs.
"""

from dataclasses import dataclass
from functools import cache
from typing import Any

import jwt
from django.conf import settings
from django.db.models import QuerySet
from django.utils.module_loading import import_string
from strawberry.permission import BasePermission, PermissionExtension

from federation_kit.errors import ErrorCode, ServiceError, parse_id

ALGORITHMS = ["RS256"]


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


# After a rotation, a token with a new kid refetches the JWKS, at most once per cooldown
# (so that made-up kids cannot make every request fetch).
JWKS_REFRESH_COOLDOWN = 5


@cache
def _jwks_client() -> jwt.PyJWKClient:
    return jwt.PyJWKClient(
        settings.JWT_JWKS_URL,
        cache_keys=True,
        lifespan=300,
        timeout=settings.DEPENDENCY_TIMEOUT,
        cooldown_duration=JWKS_REFRESH_COOLDOWN,
    )


def jwks_public_key(token: str) -> Any:
    """The key that signed ``token``, from the users service's JWKS."""
    return _jwks_client().get_signing_key_from_jwt(token).key


def viewer_from_token(token: str) -> Viewer:
    key_for = import_string(settings.JWT_PUBLIC_KEY_PROVIDER)
    try:
        claims = jwt.decode(
            token,
            key_for(token),
            algorithms=ALGORITHMS,
            audience=settings.JWT_AUDIENCE,
            issuer=settings.JWT_ISSUER,
            options={"require": ["exp", "iat", "sub", "iss", "aud"]},
        )
        return Viewer(user_id=int(claims["sub"]), is_staff=bool(claims.get("staff", False)))
    except (jwt.PyJWTError, KeyError, ValueError) as error:
        raise InvalidToken(str(error)) from None


def viewer_from_authorization(header: str | None) -> Viewer:
    if not header:
        return ANONYMOUS
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise InvalidToken("Authorization must be 'Bearer <token>'")
    return viewer_from_token(token.strip())


class IsAuthenticated(BasePermission):
    message = "Log in first: this needs an authenticated user"
    error_extensions = {"code": ErrorCode.UNAUTHENTICATED.value}

    def has_permission(self, source, info, **kwargs) -> bool:
        return info.context.viewer.is_authenticated


def login_required() -> PermissionExtension:
    """For fields also marked ``authenticated=True`` (the schema's ``@authenticated``): the service checks too."""
    return PermissionExtension(permissions=[IsAuthenticated()], use_directives=False)


def visible_to(queryset: QuerySet, viewer: Viewer, owner_field: str = "user_id") -> QuerySet:
    """Rows the viewer may see: staff all, a user their own, anonymous none (lists are filtered, not failed)."""
    if viewer.is_staff:
        return queryset
    if viewer.is_authenticated:
        return queryset.filter(**{owner_field: viewer.user_id})
    return queryset.none()


def check_may_see(viewer: Viewer, owner_id: int, what: str) -> None:
    if not viewer.may_see(owner_id):
        raise ServiceError(f"{what} belongs to another user", ErrorCode.FORBIDDEN)


def owned_by_viewer(queryset: QuerySet, id: object, viewer: Viewer, label: str) -> Any:
    """The row with this id: None when there is none, a FORBIDDEN error when it is another user's."""
    obj = queryset.filter(pk=parse_id(id)).first()
    if obj is not None:
        check_may_see(viewer, obj.user_id, f"{label} {obj.pk}")
    return obj
