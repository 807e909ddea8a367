import strawberry
import strawberry_django
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from strawberry.federation.schema_directives import Cost

from accounts import login_throttle, models, tokens
from accounts.types import CreateUserInput, LoginResult, User
from federation_kit.auth import Viewer
from federation_kit.context import SubgraphInfo
from federation_kit.errors import ErrorCode, ServiceError, bad_input_from, parse_id
from federation_kit.outbox import emit
from federation_kit.pagination import PageSizeLimit, page_list_size
from federation_kit.schema import FederatedSchema
from federation_kit.validation import check_readable


@strawberry.type
class Query:
    users: list[User] = strawberry_django.field(pagination=True, extensions=[PageSizeLimit()], directives=[page_list_size()])

    @strawberry_django.field
    def user(self, id: strawberry.ID) -> User | None:
        return models.User.objects.filter(pk=parse_id(id)).first()

    @strawberry_django.field(description="The user the request's token names; null when anonymous.")
    def me(self, info: SubgraphInfo) -> User | None:
        return models.User.objects.filter(pk=info.context.viewer.user_id).first()


def refuse_if_taken(username: str, email: str) -> None:
    """Case-insensitive, as the database's unique constraints on them are: the username by its
    username_key (full Unicode case folding, done here, not by the database); the email by the
    LOWER() of the unique constraint (and its index), so a row stored otherwise is found too."""
    if models.User.objects.named(username).exists():
        raise ServiceError(f"The username {username!r} is taken", ErrorCode.USERNAME_TAKEN)
    if models.User.objects.alias(email_lower=Lower("email")).filter(email_lower=email).exists():
        raise ServiceError(f"The email {email!r} is already registered", ErrorCode.EMAIL_TAKEN)


# What a field that hashes a password costs in the router's estimate of an operation (its
# limits.max_cost): a hash takes about 0.17 s of CPU, thousands of times a plain field's work, so
# an operation may hold one of them, not as many as it has aliases.
PASSWORD_HASH_COST = Cost(weight=15000)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="A token for the supergraph, checked by the router and every service.",
        directives=[PASSWORD_HASH_COST],
    )
    def login(self, info: SubgraphInfo, username: str, password: str) -> LoginResult:
        username = username.strip()  # as createUser strips it: "  bob  " signed up as bob
        login_throttle.count_attempt(username)
        user = authenticate(username=username, password=password)
        if user is None:
            raise ServiceError("Wrong username or password", ErrorCode.INVALID_CREDENTIALS)
        login_throttle.forget_failures(username)
        token, expires_at = tokens.issue_token(user)
        # The rest of this response is the new user's to see (e.g. their own email).
        info.context.viewer = Viewer(user_id=user.pk, is_staff=user.is_staff)
        return LoginResult(token=token, expires_at=expires_at, user=user)

    @strawberry_django.mutation(handle_django_errors=False, directives=[PASSWORD_HASH_COST])
    def create_user(self, info: SubgraphInfo, input: CreateUserInput) -> User:
        # NFKC first, as full_clean stores the username: "ＡLAN" is "ALAN", so it is checked as that.
        username = models.User.normalize_username(input.username.strip())
        email = models.email_as_stored(input.email)
        check_readable(input.full_name, "fullName", "fullName")
        refuse_if_taken(username, email)
        user = models.User(username=username, email=email, full_name=input.full_name.strip())
        try:
            # Uniqueness is left to refuse_if_taken and the constraints: full_clean would answer
            # a row that raced in since the check with BAD_USER_INPUT, not its code.
            user.full_clean(exclude=["password"], validate_unique=False, validate_constraints=False)
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
            # Lost a race with a sign-up of the same username or email between the checks and the
            # insert: the winner's row is there now and tells which one.
            refuse_if_taken(username, email)
            raise  # neither: not a race we know, answered as INTERNAL_SERVER_ERROR and logged
        if not info.context.viewer.is_authenticated:
            # Signing up, the caller sees what they sent (their email) in the answer, as after login.
            info.context.viewer = Viewer(user_id=user.pk, is_staff=user.is_staff)
        return user


schema = FederatedSchema(query=Query, mutation=Mutation)
