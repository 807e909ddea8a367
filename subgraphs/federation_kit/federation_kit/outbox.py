"""Events between services that lose nothing: a transactional outbox, a relay, idempotent consumers.

1. A service announces a change with :func:`emit`, inside the transaction that makes the change:
   the event is an :class:`~federation_kit.models.OutboxEvent` row, committed with the change or
   not at all. Nothing else is needed at that moment: no broker, no other service.
2. ``manage.py relay_outbox`` publishes unsent rows, oldest first, to the queues that
   ``OUTBOX_ROUTES`` names for their type (Celery over Redis), then marks them sent. While the
   broker is down the rows wait and the relay retries; a relay stopped between publishing and
   marking publishes again. So every event is delivered at least once.
3. The consuming service registers a handler with :func:`consumer`: the Celery task named by the
   event type, run by that service's worker. It records the event id in
   :class:`~federation_kit.models.ProcessedEvent` in the transaction of its effect, so an event
   delivered twice changes things once. A handler that fails rolls back and is retried; a worker
   that dies mid-event leaves the message unacknowledged, and it is delivered again.

An event is plain JSON, the same for every service (none imports another's code)::

    {"id": "<uuid>", "type": "payments.order_paid", "payload": {...},
     "source": "payments", "sequence": 42, "occurred_at": "2025-01-01T12:00:00+00:00"}

``sequence`` numbers the source's events in the order they were written: a consumer can tell
an old event that arrives late (after a retry) from the latest one about the same thing.
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from celery import Celery, shared_task
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils import timezone

from federation_kit.models import OutboxEvent, ProcessedEvent

logger = logging.getLogger("federation_kit.outbox")

Event = dict[str, Any]
Handler = Callable[[dict[str, Any], Event], None]


def emit(type: str, payload: dict[str, Any]) -> OutboxEvent:
    """Records an event in this service's outbox, in the current transaction (the relay sends it once committed)."""
    if not connection.in_atomic_block:
        raise RuntimeError("emit() belongs inside the transaction.atomic() of the change it announces")
    if type not in settings.OUTBOX_ROUTES:
        raise ImproperlyConfigured(f"event type {type!r} is not in OUTBOX_ROUTES")
    return OutboxEvent.objects.create(type=type, payload=payload)


def message(event: OutboxEvent) -> Event:
    return {
        "id": str(event.event_id),
        "type": event.type,
        "payload": event.payload,
        "source": settings.SERVICE_NAME,
        "sequence": event.pk,
        "occurred_at": event.created_at.isoformat(),
    }


def relay_batch(app: Celery, limit: int = 100) -> int:
    """Publishes up to ``limit`` unsent events, oldest first, and marks them sent; returns how many.

    Several relays may run: on PostgreSQL each takes the rows no other one has locked. If
    publishing fails (broker down), the transaction rolls back and the rows stay unsent.
    """
    if not OutboxEvent.objects.filter(sent_at__isnull=True).exists():
        return 0  # nothing to do, and no write lock taken (SQLite locks the file at BEGIN)
    with transaction.atomic():
        events = list(OutboxEvent.objects.filter(sent_at__isnull=True).select_for_update(skip_locked=True)[:limit])
        with app.producer_or_acquire() as producer:
            for event in events:
                for queue in settings.OUTBOX_ROUTES.get(event.type, ()):
                    # Celery declares the queue as it publishes: the event waits there even if no worker ever ran.
                    app.send_task(
                        event.type, args=[message(event)], task_id=str(event.event_id),
                        queue=queue, producer=producer, retry=False,
                    )  # fmt: skip
                    logger.info("published %s %s to %s", event.type, event.event_id, queue)
        OutboxEvent.objects.filter(pk__in=[event.pk for event in events]).update(sent_at=timezone.now())
    return len(events)


def retention_cutoff() -> datetime:
    """Sent events and handled-event ids older than this are deleted (``OUTBOX_RETENTION_DAYS``)."""
    return timezone.now() - timedelta(days=settings.OUTBOX_RETENTION_DAYS)


def purge_sent() -> None:
    """Deletes the sent events past their retention (the relay does, now and then)."""
    OutboxEvent.objects.filter(sent_at__lt=retention_cutoff()).delete()


def consume(event: Event, handler: Handler) -> bool:
    """Runs ``handler(payload, event)`` unless this event was handled before; False for a duplicate.

    The id is claimed first: a second delivery running at the same time waits on that row and
    then finds it, or claims it itself if the first one rolled back.
    """
    with transaction.atomic():
        _, first = ProcessedEvent.objects.get_or_create(event_id=event["id"], defaults={"type": event["type"]})
        if first:
            handler(event["payload"], event)
    # Ids past the retention go (an index range, usually empty): no event comes back after that long.
    ProcessedEvent.objects.filter(processed_at__lt=retention_cutoff()).delete()
    logger.info("%s %s %s", event["type"], event["id"], "handled" if first else "already handled: skipped")
    return first


def consumer(event_type: str) -> Callable[[Handler], Any]:
    """Makes ``handler(payload, event)`` the Celery task that handles events of ``event_type``, once each.

    Acknowledged only after the handler's transaction committed; on any error the event is
    retried (1, 2, 4 ... up to ``OUTBOX_RETRY_BACKOFF_MAX`` seconds apart, without end: an
    event is never dropped).
    """

    def register(handler: Handler):
        @shared_task(
            name=event_type,
            acks_late=True,
            reject_on_worker_lost=True,
            autoretry_for=(Exception,),
            max_retries=None,
            retry_backoff=1,
            retry_backoff_max=settings.OUTBOX_RETRY_BACKOFF_MAX,
            retry_jitter=False,
        )
        def task(event: Event) -> bool:
            return consume(event, handler)

        return task

    return register
