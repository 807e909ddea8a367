import pytest

from federation_kit.testing import TEST_HMAC_SECRET


@pytest.fixture(autouse=True)
def _service(db, settings):
    """Every test may use the database; requests are signed and tokens made with test keys."""
    settings.ROUTER_HMAC_SECRET = TEST_HMAC_SECRET
    settings.JWT_PUBLIC_KEY_PROVIDER = "federation_kit.testing.public_key_for_tests"
