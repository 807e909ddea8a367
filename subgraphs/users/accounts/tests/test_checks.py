from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError


def test_a_signing_kid_without_its_key_stops_the_service_at_its_checks(settings):
    settings.JWT_SIGNING_KID = "20250101T000000000000"
    with pytest.raises(SystemCheckError, match=r"accounts.E001.*JWT_SIGNING_KID='20250101T000000000000': there is no"):
        call_command("check")


def test_a_signing_kid_with_its_key_passes(settings):
    settings.JWT_SIGNING_KID = next(Path(settings.JWT_KEYS_DIR).glob("*.pem")).stem
    call_command("check")
