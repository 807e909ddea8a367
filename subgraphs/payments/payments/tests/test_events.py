"""The events payments emits (federation_kit.outbox): written with the payment or not at all, then relayed."""

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from celery import Celery
from django.utils import timezone
from kombu.exceptions import OperationalError

from federation_kit.auth import Viewer
from federation_kit.errors import ServiceError
from federation_kit.models import OutboxEvent
from federation_kit.outbox import emit, purge_sent, relay_batch
from federation_kit.testing import refused_url
from payments import services
from payments.models import OrderClosure, Payment

STAFF_REQUEST = SimpleNamespace(viewer=Viewer(user_id=1, is_staff=True))


@pytest.fixture(autouse=True)
def order_of_100(monkeypatch):
    """Every order is 100.00 EUR, as the orders service would answer."""
    order = {"status": "PLACED", "total": Decimal("100.00"), "currency": "EUR", "user_id": 7}
    monkeypatch.setattr(services, "_fetch_order", lambda order_id, request: {"id": str(order_id), **order})


def pay(amount: str, key: str, order_id: int = 1) -> Payment:
    return services.pay_order(order_id, Decimal(amount), "CARD", key, STAFF_REQUEST)


def events() -> list[tuple[str, dict]]:
    return list(OutboxEvent.objects.values_list("type", "payload"))


def test_the_payment_that_covers_the_order_emits_order_paid_once():
    pay("40.00", "first")
    assert events() == []  # partly paid: nothing for the orders service yet
    paid = pay("60.00", "second")
    assert events() == [("payments.order_paid", {"order_id": 1, "payment_id": paid.pk, "total": "100.00"})]
    assert pay("60.00", "second") == paid  # the same key again: the same payment, no second event
    assert len(events()) == 1


def test_a_refused_payment_emits_nothing():
    with pytest.raises(ServiceError):
        pay("100.01", "too-much")
    assert events() == [] and not Payment.objects.exists()


def test_a_refund_emits_order_refunded_once():
    payment = pay("100.00", "all")
    assert services.refund_payment(payment.pk).status == Payment.Status.REFUNDED
    services.refund_payment(payment.pk)  # refunded already: nothing more
    assert [t for t, _ in events()] == ["payments.order_paid", "payments.order_refunded"]
    assert events()[1][1] == {"order_id": 1, "payment_id": payment.pk, "amount": "100.00"}


def test_closing_an_order_emits_order_closed_once():
    services.close_for_payments(3, STAFF_REQUEST)
    services.close_for_payments(3, STAFF_REQUEST)  # closed already (a cancel retried): nothing more
    assert events() == [("payments.order_closed", {"order_id": 3})]
    assert OrderClosure.objects.filter(order_id=3).count() == 1


def test_a_refused_close_emits_nothing():
    pay("10.00", "part")
    with pytest.raises(ServiceError):
        services.close_for_payments(1, STAFF_REQUEST)  # it has a payment: not cancellable
    assert events() == [] and not OrderClosure.objects.exists()


@pytest.mark.django_db(transaction=True)  # no test transaction around it
def test_an_event_is_written_only_inside_the_transaction_of_its_change():
    with pytest.raises(RuntimeError):
        emit("payments.order_paid", {"order_id": 1})


def test_the_relay_publishes_oldest_first_to_the_consumers_queue_and_marks_sent():
    pay("100.00", "a", order_id=1)
    pay("100.00", "b", order_id=2)
    app = Celery("relay-test", broker="memory://")
    assert relay_batch(app) == 2
    assert not OutboxEvent.objects.filter(sent_at__isnull=True).exists()
    with app.connection_for_read() as connection:
        queue = connection.SimpleQueue("orders")
        messages = [queue.get(timeout=1) for _ in range(2)]
        queue.close()
    assert [m.headers["task"] for m in messages] == ["payments.order_paid"] * 2
    sent = [m.payload[0][0] for m in messages]  # the task's one argument: the event, plain JSON
    assert [e["payload"]["order_id"] for e in sent] == [1, 2]
    assert [e["sequence"] for e in sent] == sorted(e["sequence"] for e in sent)
    assert {e["source"] for e in sent} == {"payments"}
    assert [m.headers["id"] for m in messages] == [e["id"] for e in sent]
    assert relay_batch(app) == 0  # nothing twice


def test_with_the_broker_down_the_relay_fails_and_the_events_wait():
    pay("100.00", "a")
    app = Celery("relay-test")
    app.config_from_object("django.conf:settings", namespace="CELERY")  # as the services' relays
    app.conf.broker_url = f"redis://127.0.0.1:{urlsplit(refused_url()).port}/0"
    with pytest.raises(OperationalError):
        relay_batch(app)
    assert OutboxEvent.objects.filter(sent_at__isnull=True).count() == 1


def test_sent_events_past_their_retention_are_deleted_unsent_ones_never():
    for order_id in (1, 2, 3):
        pay("100.00", f"key-{order_id}", order_id=order_id)
    long_ago = timezone.now() - timedelta(days=8)  # OUTBOX_RETENTION_DAYS is 7
    OutboxEvent.objects.filter(payload__order_id=1).update(created_at=long_ago, sent_at=long_ago)
    OutboxEvent.objects.filter(payload__order_id=2).update(created_at=long_ago, sent_at=timezone.now())
    OutboxEvent.objects.filter(payload__order_id=3).update(created_at=long_ago)  # still waiting for the broker
    purge_sent()
    assert sorted(OutboxEvent.objects.values_list("payload__order_id", flat=True)) == [2, 3]
