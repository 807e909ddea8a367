from django.db import migrations, models


class Migration(migrations.Migration):
    """0007 was edited after it was committed (f088962: the column username_key became
    username_digest), so a database migrated by 2d0edc9 has the old column and 0007 recorded as
    applied. The table holds only open windows of failed logins, which a login may lose: it is
    dropped and made again as 0007 makes it now, whichever shape it had."""

    dependencies = [
        ("accounts", "0007_failed_logins"),
    ]

    operations = [
        migrations.DeleteModel(name="FailedLogins"),
        migrations.CreateModel(
            name="FailedLogins",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("username_digest", models.CharField(max_length=64, unique=True)),
                ("count", models.PositiveIntegerField(default=1)),
                ("window_started_at", models.DateTimeField(db_index=True)),
            ],
            options={
                "verbose_name_plural": "failed logins",
            },
        ),
    ]
