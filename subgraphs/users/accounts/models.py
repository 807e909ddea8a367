from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower


class User(AbstractUser):
    """A customer (or staff member) of the shop; other services refer to it by ``id`` only."""

    full_name = models.CharField(max_length=150, blank=True)
    email = models.EmailField()

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique")]

    def __str__(self) -> str:
        return self.username
