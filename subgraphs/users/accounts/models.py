from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Value
from django.db.models.functions import Lower


class CaseInsensitiveUserManager(UserManager):
    def get_by_natural_key(self, username: str) -> "User":
        """The user a login names, whatever the case it is typed in: usernames are unique that way."""
        # Folded by the database on both sides, as its accounts_user_username_ci_unique index is.
        username = self.model.normalize_username(username)
        return self.alias(username_lower=Lower("username")).get(username_lower=Lower(Value(username)))


class User(AbstractUser):
    """A customer (or staff member) of the shop; other services refer to it by ``id`` only."""

    full_name = models.CharField(max_length=150, blank=True)
    email = models.EmailField()

    objects = CaseInsensitiveUserManager()

    class Meta:
        ordering = ["id"]
        # Usernames and emails are unique whatever their case; the inherited unique=True on
        # username alone would let "Bob" and "bob" both in.
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.username
