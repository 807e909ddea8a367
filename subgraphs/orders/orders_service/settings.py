"""Settings of the orders service: what was ordered, by whom (a users id), for how much."""

from pathlib import Path

from federation_kit.base_settings import *  # noqa: F403
from federation_kit.base_settings import INSTALLED_APPS
from federation_kit.env import database_config, env_service_url

BASE_DIR = Path(__file__).resolve().parent.parent
SERVICE_NAME = "orders"

INSTALLED_APPS = [*INSTALLED_APPS, "orders"]
ROOT_URLCONF = "orders_service.urls"
WSGI_APPLICATION = "orders_service.wsgi.application"
DATABASES = {"default": database_config(BASE_DIR / "db.sqlite3")}
GRAPHQL_SCHEMA = "orders.schema.schema"

JWT_JWKS_URL = env_service_url("JWT_JWKS_URL")
# createOrder asks the users service whether the customer exists.
USERS_SERVICE_URL = env_service_url("USERS_SERVICE_URL")
# cancelOrder asks the payments service to stop taking payments for the order first.
PAYMENTS_SERVICE_URL = env_service_url("PAYMENTS_SERVICE_URL")
