"""federation_kit's outbox relay (`manage.py relay_outbox`), run on this service's outbox."""

import logging
import threading
from urllib.parse import urlsplit

import pytest
from celery import Celery

from federation_kit.management.commands import relay_outbox
from federation_kit.models import OutboxEvent
from federation_kit.testing import refused_url


def relay_until(app: Celery, condition, timeout: float = 10.0) -> list[str]:
    """Runs the relay until ``condition(messages logged so far)`` or ``timeout``; the messages."""
    stop, messages = threading.Event(), []

    class Watch(logging.Handler):
        def emit(self, record):
            messages.append(record.getMessage())
            if condition(messages):
                stop.set()

    watch = Watch()
    logger = logging.getLogger("federation_kit.outbox")
    logger.addHandler(watch)
    timer = threading.Timer(timeout, stop.set)
    timer.start()
    try:
        relay_outbox.relay(app, stop)
    finally:
        timer.cancel()
        logger.removeHandler(watch)
    return messages


def broker_app(url: str) -> Celery:
    app = Celery("relay-test")
    app.config_from_object("django.conf:settings", namespace="CELERY")  # as the services' relays
    app.conf.broker_url = url
    return app


@pytest.mark.django_db(transaction=True)  # the relay manages its own connection, as in its process
def test_an_idle_relay_logs_a_broker_it_cannot_reach_every_few_seconds():
    assert not OutboxEvent.objects.filter(sent_at__isnull=True).exists()  # nothing to publish
    app = broker_app(f"redis://127.0.0.1:{urlsplit(refused_url()).port}/0")
    messages = relay_until(app, lambda messages: len(messages) == 3)
    assert len(messages) == 3, messages
    assert all(m.startswith("outbox not published, retrying in") and "Connection refused" in m for m in messages)


@pytest.mark.django_db(transaction=True)
def test_an_idle_relay_with_its_broker_up_logs_nothing(monkeypatch):
    monkeypatch.setattr(relay_outbox, "BROKER_CHECK_EVERY", 0.2)
    checks = []
    monkeypatch.setattr(relay_outbox, "check_broker", lambda app: checks.append(app))
    assert relay_until(broker_app("memory://"), lambda messages: True, timeout=1.0) == []
    assert 1 <= len(checks) <= 6  # every BROKER_CHECK_EVERY, not at every poll (10 a second)
