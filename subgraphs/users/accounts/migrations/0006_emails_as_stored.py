"""Emails stored as every write now stores them (accounts.models.email_as_stored: NFKC, lowercased
whole). The admin and the ORM lowercased the domain only, and LOWER() in the unique constraint folds
ASCII letters only on SQLite, so "Émile@x.org" could sit beside "émile@x.org". The constraint's
refusal now reads as a form's error."""

import unicodedata
from collections import defaultdict

import django.db.models.functions.text
from django.db import migrations, models


def email_as_stored(email: str) -> str:
    # A copy of accounts.models.email_as_stored as it is at this migration.
    return unicodedata.normalize("NFKC", email).strip().lower()


def store_emails(apps, schema_editor):
    """Names every email registered in more than one form, rather than the database's bare
    "UNIQUE constraint failed": which accounts to change is the operator's call."""
    User = apps.get_model("accounts", "User")
    # The plain queryset: the model's manager is today's, which would store emails its own way.
    users = list(User._base_manager.only("id", "username", "email").order_by("id"))
    by_email = defaultdict(list)
    for user in users:
        by_email[email_as_stored(user.email)].append(user)
    shared = {email: found for email, found in by_email.items() if len(found) > 1}
    if shared:
        listed = "; ".join(
            f"{email}: {', '.join(f'{u.username} ({u.email!r})' for u in found)}" for email, found in sorted(shared.items())
        )
        raise RuntimeError(
            "Emails must be unique whatever their case, and these are registered in several forms: "
            f"{listed}. Change all but one account's email of each, then migrate again."
        )
    changed = []
    for user in users:
        stored = email_as_stored(user.email)
        if user.email != stored:
            user.email = stored
            changed.append(user)
    User._base_manager.bulk_update(changed, ["email"], batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0005_username_key_unique"),
    ]

    operations = [
        migrations.RunPython(store_emails, migrations.RunPython.noop),
        migrations.AlterConstraint(
            model_name="user",
            name="accounts_user_email_ci_unique",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("email"),
                name="accounts_user_email_ci_unique",
                violation_error_message="A user with that email already exists.",
            ),
        ),
    ]
