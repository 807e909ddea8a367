"""Failed logins counted per username, so that passwords cannot be guessed one login after another
from many addresses (the ingress limits each address; see docs/operations.md, "Abuse").

An attempt is counted before its password is checked and uncounted when it succeeds, so that
concurrent guesses cannot overtake the count; once settings.LOGIN_FAILURE_LIMIT attempts have
failed in a window, the username's logins are refused, unchecked, until the window ends.
"""

import math
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import USERNAME_KEY_MAX_LENGTH, FailedLogins, username_key
from federation_kit.errors import ErrorCode, ServiceError


def count_attempt(username: str) -> None:
    """Counts a login as ``username`` as failed until :func:`forget_failures` says otherwise;
    raises TOO_MANY_LOGIN_ATTEMPTS, counting nothing, when the username has no attempt left."""
    key = username_key(username)
    if len(key) > USERNAME_KEY_MAX_LENGTH:
        return  # no user has a key this long: nothing to guess
    now = timezone.now()
    window = timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    with transaction.atomic():
        FailedLogins.objects.filter(window_started_at__lte=now - window).delete()
        if FailedLogins.objects.filter(username_key=key, count__lt=settings.LOGIN_FAILURE_LIMIT).update(
            count=F("count") + 1
        ):
            return
        started = FailedLogins.objects.filter(username_key=key).values_list("window_started_at", flat=True).first()
        if started is None:
            try:
                with transaction.atomic():
                    FailedLogins.objects.create(username_key=key, window_started_at=now)
                return
            except IntegrityError:  # a concurrent attempt created it: its window holds this one too
                return count_attempt(username)
    retry_after = math.ceil((started + window - now).total_seconds())
    minutes = math.ceil(retry_after / 60)
    raise ServiceError(
        f"Too many failed logins for this username: try again in {minutes} minute{'s' if minutes > 1 else ''}",
        ErrorCode.TOO_MANY_LOGIN_ATTEMPTS,
        retryAfter=retry_after,
    )


def forget_failures(username: str) -> None:
    """A login as ``username`` succeeded: its window of failures ends."""
    FailedLogins.objects.filter(username_key=username_key(username)).delete()
