"""Events the users service handles (federation_kit.outbox), run by its Celery worker."""

from django.core.mail import send_mail

from accounts.models import User
from federation_kit.outbox import consumer

WELCOME = """Hello {name},

welcome to Django Supergraph! Your username is {username}.
Log in with it and your password to see your orders and payments.
"""


@consumer("users.user_created")
def send_welcome_email(payload: dict, event: dict) -> None:
    """Sent inside the handler's transaction: a refused mail leaves the event unhandled, to be retried.
    (A crash between sending and committing would send it again: mail is outside the database.)"""
    user = User.objects.filter(pk=payload["user_id"]).first()
    if user is None:  # deleted since
        return
    body = WELCOME.format(name=user.full_name or user.username, username=user.username)
    send_mail("Welcome to Django Supergraph", body, None, [user.email])
