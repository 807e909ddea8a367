"""Settings of the users service: who the customers are, and how they log in."""

from pathlib import Path

from federation_kit.base_settings import *  # noqa: F403
from federation_kit.base_settings import ENVIRONMENT, INSTALLED_APPS
from federation_kit.env import database_config, env_bool, env_float, env_int, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
SERVICE_NAME = "users"

INSTALLED_APPS = [*INSTALLED_APPS, "accounts"]
AUTH_USER_MODEL = "accounts.User"
ROOT_URLCONF = "users_service.urls"
WSGI_APPLICATION = "users_service.wsgi.application"
DATABASES = {"default": database_config(BASE_DIR / "db.sqlite3")}
GRAPHQL_SCHEMA = "accounts.schema.schema"

# Token signing keys (accounts/tokens.py): <kid>.pem files; a secret volume in production.
JWT_KEYS_DIR = env_str("JWT_KEYS_DIR", str(BASE_DIR / "var" / "jwt-keys"))
JWT_SIGNING_KID = env_str("JWT_SIGNING_KID", "")
JWT_LIFETIME_SECONDS = env_float("JWT_LIFETIME_SECONDS", 3600, minimum=60, maximum=30 * 86400)
# This service verifies tokens with its own keys instead of fetching its JWKS over HTTP.
JWT_PUBLIC_KEY_PROVIDER = "accounts.tokens.public_key_for"

# Failed logins for one username in a window (accounts/login_throttle.py): past the limit, its
# logins are refused until the window, started by the first of them, ends.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10, minimum=1)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 900, minimum=1, maximum=86400)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Events this service emits (federation_kit.outbox) and the queues of the services that consume them.
OUTBOX_ROUTES = {
    "users.user_created": ["users"],  # this service's own worker sends the welcome email
}

# Email through Django's email framework. Production: SMTP, configured by the environment.
# Development: one file per message under EMAIL_FILE_PATH when set (make dev, the tests), else on the console.
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", "")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if ENVIRONMENT == "production"
    else "django.core.mail.backends.filebased.EmailBackend"
    if EMAIL_FILE_PATH
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65_535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_float("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Django Supergraph <no-reply@example.com>")
