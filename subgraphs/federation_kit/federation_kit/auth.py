"""What a viewer may see and do: the schemas' Strawberry permissions and queryset filter.

The viewer is who the caller's token names, verified before any resolver runs
(:mod:`federation_kit.tokens`); it is ``info.context.viewer``.
"""

from typing import Any

from django.db.models import QuerySet
from strawberry.extensions import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension

from federation_kit.errors import ErrorCode, ServiceError
from federation_kit.tokens import Viewer


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


class OwnerOrStaff(FieldExtension):
    """The row a field answers (with its ``user_id``) is its owner's and staff's: anyone else's is a
    FORBIDDEN error, which says that it exists; no row stays null."""

    def __init__(self, label: str) -> None:
        super().__init__()
        self.label = label

    def resolve(self, next_, source, info, **kwargs) -> Any:
        row = next_(source, info, **kwargs)
        if row is not None:
            check_may_see(info.context.viewer, row.user_id, f"{self.label} {row.pk}")
        return row
