# The Celery app is loaded with Django: the outbox relay publishes with it, the worker's tasks bind to it.
from users_service.celery import app as celery_app

__all__ = ("celery_app",)
