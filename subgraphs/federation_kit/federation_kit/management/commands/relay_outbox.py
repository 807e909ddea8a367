import logging
import signal
import threading
import time

from celery import current_app
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from federation_kit.outbox import purge_sent, relay_batch

logger = logging.getLogger("federation_kit.outbox")

BATCH = 100
PURGE_EVERY = 3600  # seconds between deletions of sent events past their retention
MAX_BACKOFF = 2.0  # seconds between attempts while the broker (or the database) is down


class Command(BaseCommand):
    help = "Publish this service's outbox to the broker, oldest first, until stopped (SIGTERM, Ctrl-C)."

    def handle(self, *args, **options):
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        app = current_app  # the service's Celery app (<service>_service/celery.py, imported by the package)
        backoff, next_purge = 0.0, time.monotonic()
        logger.info("outbox relay of %s publishing to %s", settings.SERVICE_NAME, app.conf.broker_url.split("@")[-1])
        try:  # connect now rather than on the first event (the connection goes back to the pool, for relay_batch)
            with app.producer_or_acquire() as producer:
                producer.connection.ensure_connection(max_retries=1)
        except Exception:  # the broker is not up yet: relay_batch will say so when there is something to send
            pass
        while not stop.is_set():
            close_old_connections()  # a database that restarted: a new connection, not an error forever
            try:
                if time.monotonic() >= next_purge:
                    purge_sent()
                    next_purge = time.monotonic() + PURGE_EVERY
                sent = relay_batch(app, BATCH)
            except Exception as error:  # broker or database unavailable: the rows stay unsent
                backoff = min(MAX_BACKOFF, backoff * 2 or 0.1)
                logger.warning("outbox not published, retrying in %.1fs: %r", backoff, error)
                stop.wait(backoff)
                continue
            backoff = 0.0
            if sent < BATCH:  # caught up; after a full batch more may be waiting: go on at once
                stop.wait(settings.OUTBOX_POLL_SECONDS)
