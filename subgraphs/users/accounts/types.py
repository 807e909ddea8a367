from datetime import datetime

import strawberry
import strawberry_django
from strawberry import auto
from strawberry.permission import PermissionExtension

from accounts import models
from accounts.permissions import IsSelfOrStaff
from federation_kit.fields import ColumnField


@strawberry_django.federation.type(models.User, keys=["id"], field_cls=ColumnField)
class User:
    id: auto
    username: auto
    email: str | None = strawberry_django.field(
        extensions=[PermissionExtension(permissions=[IsSelfOrStaff()], use_directives=False)],
        description="Visible to this user and to staff; null with a FORBIDDEN error for anyone else.",
    )
    full_name: auto
    date_joined: auto


@strawberry.type
class LoginResult:
    token: str = strawberry.field(description="Send as `Authorization: Bearer <token>`.")
    expires_at: datetime
    user: User


@strawberry.input
class CreateUserInput:
    username: str
    email: str
    full_name: str = ""
    password: str = strawberry.field(description="Checked against Django's password validators.")
