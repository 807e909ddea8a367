import hashlib
import hmac
import unicodedata

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower

# Full Unicode case folding can lengthen a name ("ß" is "ss", "ΐ" three code points): at most
# three code points for one, so the key of a (150-character) username fits in three times that.
USERNAME_KEY_MAX_LENGTH = 3 * AbstractUser._meta.get_field("username").max_length


def username_key(username: str) -> str:
    """What makes two usernames the same one: NFKC (as usernames are stored), then full Unicode
    case folding, then NFKC again (folding may leave a decomposed letter). Computed here, not by
    the database, whose LOWER()/UPPER()/LIKE fold ASCII only (SQLite) or per collation (PostgreSQL)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", username).casefold())


def email_as_stored(email: str) -> str:
    """An email as every write stores it (createUser, the admin, the ORM): NFKC, lowercased whole.
    Django's normalize_email (the admin's, createsuperuser's) lowercases the domain only, and the
    unique constraint's LOWER() folds ASCII letters only on SQLite: written through the ORM,
    "Émile@x.org" and "émile@x.org" were two accounts."""
    return unicodedata.normalize("NFKC", email).strip().lower()


def store_derived_fields(user) -> None:
    """What every write of a user sets: username_key from the username, the email as stored. A
    function, not a method: migrations' historical users go through the queryset too."""
    user.username_key = username_key(user.username)
    user.email = email_as_stored(user.email)


class UserQuerySet(models.QuerySet):
    """Bulk writes and update() set username_key and the stored email as save() does: they do not
    call it."""

    def named(self, username: str) -> "UserQuerySet":
        """The user called ``username`` whatever its case: usernames are unique that way."""
        return self.filter(username_key=username_key(username))

    def update(self, **kwargs):
        if isinstance(kwargs.get("username"), str):
            kwargs["username_key"] = username_key(kwargs["username"])
        elif "username" in kwargs and "username_key" not in kwargs:
            # An expression's result is known to the database only (bulk_update's CASE comes with
            # a CASE for username_key).
            raise TypeError("update(username=...) takes a string: username_key is computed from it in Python")
        if isinstance(kwargs.get("email"), str):
            kwargs["email"] = email_as_stored(kwargs["email"])  # an expression's is the caller's to store so
        return super().update(**kwargs)

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for user in objs:
            store_derived_fields(user)
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs, fields = list(objs), list(fields)
        if "email" in fields:
            for user in objs:
                user.email = email_as_stored(user.email)
        if "username" in fields:
            for user in objs:
                user.username_key = username_key(user.username)
            fields = [*fields, "username_key"] if "username_key" not in fields else fields
        return super().bulk_update(objs, fields, *args, **kwargs)


class CaseInsensitiveUserManager(UserManager.from_queryset(UserQuerySet)):
    def get_by_natural_key(self, username: str) -> "User":
        """The user a login names, whatever the case it is typed in."""
        return self.named(username).get()


class User(AbstractUser):
    """A customer (or staff member) of the shop; other services refer to it by ``id`` only."""

    full_name = models.CharField(max_length=150, blank=True)
    email = models.EmailField()
    # Unique: usernames are unique whatever their case ("Émile" is émile). Set from the username by
    # save() and the queryset's writes, never edited on its own; not in the GraphQL schema.
    username_key = models.CharField(max_length=USERNAME_KEY_MAX_LENGTH, unique=True, editable=False)

    objects = CaseInsensitiveUserManager()

    class Meta:
        ordering = ["id"]
        # Emails are unique whatever their case: every write stores them lowercased
        # (email_as_stored), and the unique index compares their LOWER().
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="accounts_user_email_ci_unique",
                violation_error_message="A user with that email already exists.",
            ),
        ]

    def __str__(self) -> str:
        return self.username

    def clean(self):
        super().clean()
        self.email = email_as_stored(self.email)  # before the constraints are checked against it

    def save(self, *args, **kwargs):
        store_derived_fields(self)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "username" in update_fields:
            kwargs["update_fields"] = {*update_fields, "username_key"}
        super().save(*args, **kwargs)

    def validate_unique(self, exclude=None):
        """A form that edits the username (the admin's) is told it is taken, not a database error."""
        super().validate_unique(exclude)
        if exclude and "username" in exclude:
            return
        if type(self)._default_manager.named(self.username).exclude(pk=self.pk).exists():
            raise ValidationError({"username": self.unique_error_message(type(self), ["username"])})


def username_digest(username: str) -> str:
    """What FailedLogins keeps of a username: a keyed digest of its key, the same for every way of
    typing it. Not the name: what is typed as a username is sometimes a password, which the table,
    its backups and the admin would otherwise show."""
    key = username_key(username).encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"failed-logins:" + key, hashlib.sha256).hexdigest()


class FailedLogins(models.Model):
    """The logins for one username (whether or not such a user exists) that failed in a window of
    settings.LOGIN_FAILURE_WINDOW_SECONDS from the first of them; a login that succeeds ends the
    window. Rows of ended windows are deleted as attempts come in (accounts.login_throttle)."""

    username_digest = models.CharField(max_length=64, unique=True)  # username_digest(the username)
    count = models.PositiveIntegerField(default=1)
    window_started_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name_plural = "failed logins"

    def __str__(self) -> str:
        return f"{self.count} failed logins since {self.window_started_at:%Y-%m-%d %H:%M:%S}"
