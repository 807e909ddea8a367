"""Settings the users service cannot work with, refused by `manage.py check` and at `migrate`
(which the Dockerfile runs before the server starts), not found out at the first login."""

from pathlib import Path

from django.conf import settings
from django.core.checks import Error, register


@register()
def signing_key_exists(app_configs, **kwargs) -> list[Error]:
    kid = settings.JWT_SIGNING_KID
    if kid and not (Path(settings.JWT_KEYS_DIR) / f"{kid}.pem").is_file():
        return [
            Error(
                f"JWT_SIGNING_KID={kid!r}: there is no {kid}.pem in JWT_KEYS_DIR={settings.JWT_KEYS_DIR}",
                hint="Leave it unset to sign with the newest key, or name a key that is there.",
                id="accounts.E001",
            )
        ]
    return []
