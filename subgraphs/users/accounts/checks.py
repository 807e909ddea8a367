"""Settings the users service cannot work with, refused by `manage.py check` and at `migrate`
(which the Dockerfile runs before the server starts), not found out at the first login."""

from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

# More than the hosts' clocks can differ: a key dated further ahead is misnamed, and would outrank
# every key rotate_jwt_key adds until then.
KID_TIME_AHEAD = timedelta(days=1)


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


@register()
def signing_keys_usable(app_configs, **kwargs) -> list[Error | Warning]:
    """Every key file is an RSA key that can sign and be published, and which one signs is clear.
    An empty folder passes: the first start makes a key after `migrate` (rotate_jwt_key --if-missing)."""
    # Imported here, not with the module: the bench's graphene peer loads this app for its models,
    # in a virtualenv without PyJWT, and never runs the checks.
    from accounts.tokens import key_files, kid_time, load_key, newest_kid

    paths = key_files(Path(settings.JWT_KEYS_DIR))
    issues, unusable = [], set()
    for path in paths:
        try:
            load_key(path)
        except ImproperlyConfigured as error:
            hint = "Use an unencrypted RSA private key in PEM, 2048 bits or more (manage.py rotate_jwt_key makes one)."
            issues.append(Error(str(error), hint=hint, id="accounts.E002"))
            unusable.add(path.stem)
    kids = [path.stem for path in paths]
    for kid in kids:
        if (made := kid_time(kid)) and made > timezone.now() + KID_TIME_AHEAD:
            issues.append(
                Error(
                    f"{kid}.pem in JWT_KEYS_DIR is named as made at {made:%Y-%m-%d %H:%M} UTC, a time still to"
                    " come: it would sign until then, whatever key rotate_jwt_key adds",
                    hint="Rename it by the UTC time it was made (date -u +%Y%m%dT%H%M%S000000), or give it another name.",
                    id="accounts.E003",
                )
            )
    if settings.JWT_SIGNING_KID or not kids:
        return issues
    try:
        signer = newest_kid(kids)
    except ImproperlyConfigured as error:
        return [*issues, Error(str(error), id="accounts.E004")]
    return issues + [
        Warning(
            f"{kid}.pem in JWT_KEYS_DIR does not sign: {signer}, the newest key rotate_jwt_key named, does"
            " (it is published and verifies tokens)",
            hint=f"To sign with it, set JWT_SIGNING_KID={kid}.",
            id="accounts.W001",
        )
        for kid in kids
        if kid != signer and kid_time(kid) is None and kid not in unusable
    ]
