import logging
import signal
import threading
import time

from celery import Celery, current_app
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from federation_kit.outbox import purge_sent, relay_batch

logger = logging.getLogger("federation_kit.outbox")

BATCH = 100
PURGE_EVERY = 3600  # seconds between deletions of sent events past their retention
MAX_BACKOFF = 2.0  # seconds between attempts while the broker (or the database) is down
# With nothing to publish the relay does not talk to the broker: it connects this often to find
# out (one connection and a PING), so that a broker down is logged before an event waits on it.
BROKER_CHECK_EVERY = 5.0


def check_broker(app: Celery) -> None:
    """Connects to the broker and disconnects; raises if it cannot."""
    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=0)


def relay(app: Celery, stop: threading.Event) -> None:
    """Publishes the outbox until ``stop`` is set, logging while the broker or the database is down."""
    backoff, next_purge, next_broker_check = 0.0, time.monotonic(), time.monotonic()
    while not stop.is_set():
        close_old_connections()  # a database that restarted: a new connection, not an error forever
        try:
            if time.monotonic() >= next_purge:
                purge_sent()
                next_purge = time.monotonic() + PURGE_EVERY
            sent = relay_batch(app, BATCH)
            if sent:  # the broker took them
                next_broker_check = time.monotonic() + BROKER_CHECK_EVERY
            elif backoff or time.monotonic() >= next_broker_check:  # after a failure, or idle for a while
                check_broker(app)
                next_broker_check = time.monotonic() + BROKER_CHECK_EVERY
        except Exception as error:  # broker or database unavailable: the rows stay unsent
            backoff = min(MAX_BACKOFF, backoff * 2 or 0.1)
            logger.warning("outbox not published, retrying in %.1fs: %r", backoff, error)
            stop.wait(backoff)
            continue
        if backoff:
            logger.info("outbox relay reaches the broker and its database again")
            backoff = 0.0
        if sent < BATCH:  # caught up; after a full batch more may be waiting: go on at once
            stop.wait(settings.OUTBOX_POLL_SECONDS)


class Command(BaseCommand):
    help = "Publish this service's outbox to the broker, oldest first, until stopped (SIGTERM, Ctrl-C)."

    def handle(self, *args, **options):
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        app = current_app  # the service's Celery app (<service>_service/celery.py, imported by the package)
        logger.info("outbox relay of %s publishing to %s", settings.SERVICE_NAME, app.conf.broker_url.split("@")[-1])
        relay(app, stop)
