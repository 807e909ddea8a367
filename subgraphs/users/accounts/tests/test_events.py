"""createUser announces the new user in its own transaction; the welcome email goes once."""

import uuid

from django.core import mail

from accounts.models import User
from accounts.tasks import send_welcome_email
from federation_kit.models import OutboxEvent
from federation_kit.testing import error_codes, graphql

CREATE = "mutation($input: CreateUserInput!) { createUser(input: $input) { id } }"
GRACE = {"username": "grace", "email": "grace@example.com", "fullName": "Grace Hopper", "password": "c0bol-rules-1959"}


def test_create_user_emits_user_created_and_a_refused_one_nothing(client):
    user_id = int(graphql(client, CREATE, {"input": GRACE})["data"]["createUser"]["id"])
    assert list(OutboxEvent.objects.values_list("type", "payload")) == [("users.user_created", {"user_id": user_id})]
    assert error_codes(graphql(client, CREATE, {"input": GRACE})) == ["USERNAME_TAKEN"]
    assert OutboxEvent.objects.count() == 1


def test_the_welcome_email_is_sent_once_per_event():
    user = User.objects.create_user("grace", "grace@example.com", "c0bol-rules-1959", full_name="Grace Hopper")
    event = {"id": str(uuid.uuid4()), "type": "users.user_created", "payload": {"user_id": user.pk}, "sequence": 1}
    assert send_welcome_email(event) is True
    assert send_welcome_email(event) is False  # delivered again: already handled
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["grace@example.com"] and "Hello Grace Hopper" in mail.outbox[0].body
