"""Settings of the payments service: money received against orders of the orders service."""

from pathlib import Path

from federation_kit.base_settings import *  # noqa: F403
from federation_kit.base_settings import INSTALLED_APPS
from federation_kit.env import database_config, env_service_url

BASE_DIR = Path(__file__).resolve().parent.parent
SERVICE_NAME = "payments"

INSTALLED_APPS = [*INSTALLED_APPS, "payments"]
ROOT_URLCONF = "payments_service.urls"
WSGI_APPLICATION = "payments_service.wsgi.application"
DATABASES = {"default": database_config(BASE_DIR / "db.sqlite3")}
GRAPHQL_SCHEMA = "payments.schema.schema"

JWT_JWKS_URL = env_service_url("JWT_JWKS_URL")
# payOrder asks the orders service for the order's status, total and currency.
ORDERS_SERVICE_URL = env_service_url("ORDERS_SERVICE_URL")

# Events this service emits (federation_kit.outbox) and the queues of the services that consume them.
OUTBOX_ROUTES = {
    "payments.order_paid": ["orders"],  # a payment covered what was due: the order is paid in full
    "payments.order_refunded": ["orders"],  # a payment was refunded: the order is no longer paid in full
    "payments.order_closed": ["orders"],  # the order takes no more payments: the orders service cancels it
}
