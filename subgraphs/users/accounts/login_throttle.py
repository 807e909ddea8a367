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

from accounts.models import FailedLogins, username_digest
from federation_kit.errors import ErrorCode, ServiceError


def count_attempt(username: str) -> None:
    """Counts a login as ``username`` as failed until :func:`forget_failures` says otherwise;
    raises TOO_MANY_LOGIN_ATTEMPTS, counting nothing, when the username has no attempt left."""
    digest = username_digest(username)
    window = timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    # Rows of ended windows, in a statement of its own: deleted inside the counting transaction,
    # two attempts could lock each other's rows (a deadlock on PostgreSQL).
    FailedLogins.objects.filter(window_started_at__lte=timezone.now() - window).delete()
    rows = FailedLogins.objects.filter(username_digest=digest)
    with transaction.atomic():
        now = timezone.now()  # once the write lock is held: SQLite may have waited for it
        rows.filter(window_started_at__lte=now - window).delete()
        if rows.filter(count__lt=settings.LOGIN_FAILURE_LIMIT).update(count=F("count") + 1):
            return
        started = rows.values_list("window_started_at", flat=True).first()
        if started is None:
            try:
                with transaction.atomic():
                    FailedLogins.objects.create(username_digest=digest, window_started_at=now)
            except IntegrityError:  # a concurrent attempt started the window: this one is its second
                rows.update(count=F("count") + 1)
            return
    retry_after = math.ceil((started + window - now).total_seconds())
    minutes = math.ceil(retry_after / 60)
    raise ServiceError(
        f"Too many failed logins for this username: try again in {minutes} minute{'s' if minutes > 1 else ''}",
        ErrorCode.TOO_MANY_LOGIN_ATTEMPTS,
        retryAfter=retry_after,
    )


def forget_failures(username: str) -> None:
    """A login as ``username`` succeeded: its window of failures ends."""
    FailedLogins.objects.filter(username_digest=username_digest(username)).delete()
