from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower


class User(AbstractUser):
    """A customer (or staff member) of the shop; other services refer to it by ``id`` only."""

    full_name = models.CharField(max_length=150, blank=True)
    email = models.EmailField()

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
