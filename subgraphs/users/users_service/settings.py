"""Settings of the users service: who the customers are, and (later) how they log in."""

from pathlib import Path

from federation_kit.base_settings import *  # noqa: F403
from federation_kit.base_settings import INSTALLED_APPS
from federation_kit.env import database_config, env_float, env_str

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
JWT_LIFETIME_SECONDS = env_float("JWT_LIFETIME_SECONDS", 3600)
# This service verifies tokens with its own keys instead of fetching its JWKS over HTTP.
JWT_PUBLIC_KEY_PROVIDER = "accounts.tokens.public_key_for"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
