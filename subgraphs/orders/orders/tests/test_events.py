"""The payments service's events (orders.tasks): an order follows its payments, each event applied once."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from federation_kit.models import ProcessedEvent
from federation_kit.outbox import consume
from orders.models import Order
from orders.tasks import order_closed, order_paid, order_refunded


@pytest.fixture
def order() -> Order:
    return Order.objects.create(user_id=1, currency="EUR", total="100.00")


def event(type: str, order: Order, sequence: int) -> dict:
    return {"id": str(uuid.uuid4()), "type": type, "payload": {"order_id": order.pk}, "source": "payments", "sequence": sequence}


def status(order: Order) -> str:
    order.refresh_from_db()
    return order.status


def test_paid_then_refunded(order):
    order_paid(event("payments.order_paid", order, 1))
    assert status(order) == Order.Status.PAID
    order_refunded(event("payments.order_refunded", order, 2))
    assert status(order) == Order.Status.PLACED


def test_the_same_event_twice_is_applied_once(order):
    paid = event("payments.order_paid", order, 1)
    assert order_paid(paid) is True
    Order.objects.filter(pk=order.pk).update(status=Order.Status.PLACED)  # so that a second application would show
    assert order_paid(paid) is False
    assert status(order) == Order.Status.PLACED
    assert ProcessedEvent.objects.filter(event_id=paid["id"]).count() == 1


def test_an_older_event_arriving_late_changes_nothing(order):
    late_paid = event("payments.order_paid", order, 1)  # e.g. retried after the refund went through
    order_refunded(event("payments.order_refunded", order, 2))
    order_paid(late_paid)
    assert status(order) == Order.Status.PLACED


def test_a_cancelled_order_stays_cancelled(order):
    Order.objects.filter(pk=order.pk).update(status=Order.Status.CANCELLED)
    order_paid(event("payments.order_paid", order, 1))
    assert status(order) == Order.Status.CANCELLED


def test_order_closed_cancels_a_placed_order_once(order):
    closed = event("payments.order_closed", order, 1)  # cancel_order never heard that payments closed it
    assert order_closed(closed) is True
    assert status(order) == Order.Status.CANCELLED
    assert order_closed(closed) is False  # delivered again: skipped
    assert ProcessedEvent.objects.filter(event_id=closed["id"]).count() == 1


def test_order_closed_for_an_order_cancelled_already_changes_nothing(order):
    Order.objects.filter(pk=order.pk).update(status=Order.Status.CANCELLED)  # cancel_order heard the answer
    assert order_closed(event("payments.order_closed", order, 1)) is True
    order.refresh_from_db()
    assert (order.status, order.payments_sequence) == (Order.Status.CANCELLED, 0)


def test_order_closed_wins_over_payments_events_arriving_late(order):
    # Paid, refunded in full, then closed; the refund's event is retried and comes last.
    order_paid(event("payments.order_paid", order, 1))
    late_refunded = event("payments.order_refunded", order, 2)
    order_closed(event("payments.order_closed", order, 3))
    assert status(order) == Order.Status.CANCELLED
    order_refunded(late_refunded)
    order_paid(event("payments.order_paid", order, 1))
    assert status(order) == Order.Status.CANCELLED


def test_a_handler_that_fails_leaves_the_event_unprocessed_for_its_retry(order):
    paid = event("payments.order_paid", order, 1)

    def crash(payload, event):
        Order.objects.filter(pk=order.pk).update(status=Order.Status.PAID)
        raise ConnectionError("the worker lost its database mid-event")

    with pytest.raises(ConnectionError):
        consume(paid, crash)
    assert status(order) == Order.Status.PLACED and not ProcessedEvent.objects.exists()
    assert order_paid(paid) is True  # the retry
    assert status(order) == Order.Status.PAID


def test_handled_event_ids_past_their_retention_are_deleted(order):
    long_ago = timezone.now() - timedelta(days=8)  # OUTBOX_RETENTION_DAYS is 7
    ProcessedEvent.objects.create(event_id=uuid.uuid4(), type="payments.order_paid", processed_at=long_ago)
    paid = event("payments.order_paid", order, 1)
    order_paid(paid)
    assert [str(i) for i in ProcessedEvent.objects.values_list("event_id", flat=True)] == [paid["id"]]
