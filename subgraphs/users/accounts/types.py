import strawberry
import strawberry_django
from strawberry import auto

from accounts import models


@strawberry_django.federation.type(models.User, keys=["id"])
class User:
    id: auto
    username: auto
    email: auto
    full_name: auto
    date_joined: auto


@strawberry.input
class CreateUserInput:
    username: str
    email: str
    full_name: str = ""
    password: str = strawberry.field(description="Checked against Django's password validators.")
