from django.db import migrations, models

CONSTRAINT = models.UniqueConstraint(fields=("order_id", "idempotency_key"), name="payments_payment_order_idempotency_key_unique")
NAME = CONSTRAINT.name
# One migrator at a time (two pods of a first deploy may run migrate at once): a key of our own.
LOCK = 7_302_003


def add_per_order_key(apps, schema_editor):
    """On PostgreSQL the index is built CONCURRENTLY, then made the constraint: ADD CONSTRAINT
    UNIQUE would build it under a lock that stops every read and write of the table, while the
    previous release still serves payments (docs/developing.md, "A migration")."""
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.add_constraint(apps.get_model("payments", "Payment"), CONSTRAINT)
        return
    schema_editor.execute("SELECT pg_advisory_lock(%s)", [LOCK])
    try:
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_constraint WHERE conname = %s", [NAME])
            if cursor.fetchone():
                return
        # An interrupted build leaves an invalid index of this name behind.
        schema_editor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{NAME}"')
        schema_editor.execute(f'CREATE UNIQUE INDEX CONCURRENTLY "{NAME}" ON "payments_payment" ("order_id", "idempotency_key")')
        schema_editor.execute(f'ALTER TABLE "payments_payment" ADD CONSTRAINT "{NAME}" UNIQUE USING INDEX "{NAME}"')
    finally:
        schema_editor.execute("SELECT pg_advisory_unlock(%s)", [LOCK])


def remove_per_order_key(apps, schema_editor):
    schema_editor.remove_constraint(apps.get_model("payments", "Payment"), CONSTRAINT)


class Migration(migrations.Migration):
    """An idempotency key unique per order instead of across every payment. The new constraint comes
    first and the global one goes after: in between, the stricter one still holds for the previous
    release. Taking it back restores the global one, which fails once two orders share a key."""

    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [
        ("payments", "0002_order_closure"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddConstraint(model_name="payment", constraint=CONSTRAINT)],
            database_operations=[migrations.RunPython(add_per_order_key, remove_per_order_key)],
        ),
        migrations.AlterField(
            model_name="payment",
            name="idempotency_key",
            field=models.CharField(help_text="chosen by the client; the same key never pays the same order twice", max_length=100),
        ),
    ]
