import strawberry
import strawberry_django
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts import models, tokens
from accounts.types import CreateUserInput, LoginResult, User
from federation_kit.auth import Viewer
from federation_kit.errors import ErrorCode, ServiceError, bad_input_from, parse_id
from federation_kit.outbox import emit
from federation_kit.pagination import PageSizeLimit
from federation_kit.schema import FederatedSchema


@strawberry.type
class Query:
    users: list[User] = strawberry_django.field(pagination=True, extensions=[PageSizeLimit()])

    @strawberry_django.field
    def user(self, id: strawberry.ID) -> User | None:
        return models.User.objects.filter(pk=parse_id(id)).first()

    @strawberry_django.field(description="The user the request's token names; null when anonymous.")
    def me(self, info: strawberry.Info) -> User | None:
        return models.User.objects.filter(pk=info.context.viewer.user_id).first()


@strawberry.type
class Mutation:
    @strawberry.mutation(description="A token for the supergraph, checked by the router and every service.")
    def login(self, info: strawberry.Info, username: str, password: str) -> LoginResult:
        user = authenticate(username=username, password=password)
        if user is None:
            raise ServiceError("Wrong username or password", ErrorCode.INVALID_CREDENTIALS)
        token, expires_at = tokens.issue_token(user)
        # The rest of this response is the new user's to see (e.g. their own email).
        info.context.viewer = Viewer(user_id=user.pk, is_staff=user.is_staff)
        return LoginResult(token=token, expires_at=expires_at, user=user)

    @strawberry_django.mutation(handle_django_errors=False)
    def create_user(self, input: CreateUserInput) -> User:
        username, email = input.username.strip(), input.email.strip().lower()
        if models.User.objects.filter(username__iexact=username).exists():
            raise ServiceError(f"The username {username!r} is taken", ErrorCode.USERNAME_TAKEN)
        if models.User.objects.filter(email__iexact=email).exists():
            raise ServiceError(f"The email {email!r} is already registered", ErrorCode.EMAIL_TAKEN)
        user = models.User(username=username, email=email, full_name=input.full_name.strip())
        try:
            user.full_clean(exclude=["password"])
        except ValidationError as error:
            raise bad_input_from(error) from None
        try:
            validate_password(input.password, user)
        except ValidationError as error:
            raise bad_input_from(error, "password") from None
        user.set_password(input.password)
        try:
            with transaction.atomic():
                user.save()
                emit("users.user_created", {"user_id": user.pk})  # the welcome email (accounts.tasks)
        except IntegrityError:
            # Lost a race with an identical sign-up between the checks and the insert.
            raise ServiceError(f"The username {username!r} is taken", ErrorCode.USERNAME_TAKEN) from None
        return user


schema = FederatedSchema(query=Query, mutation=Mutation)
