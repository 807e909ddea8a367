"""username_key: what makes two usernames the same one, computed by the application (NFKC, full
Unicode case folding, NFKC), not by the database, whose LOWER() folds ASCII letters only on
SQLite: accounts_user_username_ci_unique let "Émile" and "émile" both in. Added nullable here,
filled for the existing rows, made unique and not null in 0005."""

import unicodedata
from collections import defaultdict

from django.db import migrations, models


def username_key(username: str) -> str:
    # A copy of accounts.models.username_key as it is at this migration.
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", username).casefold())


def fill_username_keys(apps, schema_editor):
    """Names every username taken in more than one case, rather than the database's bare
    "UNIQUE constraint failed" in 0005: which accounts to rename is the operator's call."""
    User = apps.get_model("accounts", "User")
    users = list(User.objects.only("id", "username").order_by("id"))
    by_key = defaultdict(list)
    for user in users:
        user.username_key = username_key(user.username)
        by_key[user.username_key].append(user.username)
    shared = {key: names for key, names in by_key.items() if len(names) > 1}
    if shared:
        listed = "; ".join(f"{key}: {', '.join(sorted(names))}" for key, names in sorted(shared.items()))
        raise RuntimeError(
            "Usernames must be unique whatever their case, and these are taken in several cases: "
            f"{listed}. Rename all but one account of each, then migrate again."
        )
    User.objects.bulk_update(users, ["username_key"], batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0003_user_manager_case_insensitive"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="username_key",
            field=models.CharField(editable=False, max_length=450, null=True),
        ),
        migrations.RunPython(fill_username_keys, migrations.RunPython.noop),
    ]
