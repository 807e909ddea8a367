from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import Lower


def refuse_case_variant_usernames(apps, schema_editor):
    """Names every username taken in more than one case, rather than the database's bare
    "could not create unique index": which accounts to rename is the operator's call."""
    User = apps.get_model("accounts", "User")
    shared = (
        User.objects.values(lowered=Lower("username"))
        .annotate(accounts=Count("id"))
        .filter(accounts__gt=1)
        .values_list("lowered", flat=True)
    )
    if shared:
        raise RuntimeError(
            "Usernames must be unique whatever their case, and these are taken in several cases: "
            f"{', '.join(sorted(shared))}. Rename all but one account of each, then migrate again."
        )


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(refuse_case_variant_usernames, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique"),
        ),
    ]
