"""The users service's Celery app (CELERY_* settings from federation_kit.base_settings)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "users_service.settings")

app = Celery("users")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
