from strawberry.permission import BasePermission

from federation_kit.errors import ErrorCode


class IsSelfOrStaff(BasePermission):
    """A field of a user that only that user and staff may read."""

    message = "Only this user and staff may see this field"
    error_extensions = {"code": ErrorCode.FORBIDDEN.value}

    def has_permission(self, source, info, **kwargs) -> bool:
        viewer = info.context.viewer
        return viewer.is_staff or viewer.user_id == source.pk
