"""username_key (filled in 0004) unique and not null. The functional accounts_user_username_ci_unique
(0002) goes: username_key's unique index is the one that holds usernames unique whatever their
case, and LOWER(username) agreed with it for ASCII letters only on SQLite."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0004_user_username_key"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="username_key",
            field=models.CharField(editable=False, max_length=450, unique=True),
        ),
        migrations.RemoveConstraint(
            model_name="user",
            name="accounts_user_username_ci_unique",
        ),
    ]
