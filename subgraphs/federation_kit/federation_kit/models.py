"""The two tables every service has for events (federation_kit.outbox): what it must send, what it has handled."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutboxEvent(models.Model):
    """An event this service announced, written in the transaction of the change it announces.

    The relay (``manage.py relay_outbox``) publishes unsent rows to the broker, oldest first,
    and sets ``sent_at``; sent rows are deleted after ``OUTBOX_RETENTION_DAYS``.
    """

    id = models.BigAutoField(primary_key=True)  # also the event's "sequence": the order of writing
    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField(max_length=100, help_text='e.g. "payments.order_paid"; routed by OUTBOX_ROUTES')
    payload = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["id"], condition=Q(sent_at__isnull=True), name="outbox_unsent")]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id} ({'sent' if self.sent_at else 'pending'})"


class ProcessedEvent(models.Model):
    """An event this service has handled: its id, recorded in the transaction of the handler's effect.

    Deleted after ``OUTBOX_RETENTION_DAYS`` by the consumers themselves (federation_kit.outbox.consume).
    """

    event_id = models.UUIDField(primary_key=True)
    type = models.CharField(max_length=100)
    processed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["processed_at"], name="processed_event_at")]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"
