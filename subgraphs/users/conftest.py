import pytest

from accounts import tokens
from accounts.tokens import new_key_file
from federation_kit.testing import TEST_HMAC_SECRET


@pytest.fixture(autouse=True)
def _service(db, settings, tmp_path):
    """Every test may use the database; requests are signed; tokens use a fresh signing key."""
    settings.ROUTER_HMAC_SECRET = TEST_HMAC_SECRET
    settings.JWT_KEYS_DIR = str(tmp_path / "jwt-keys")
    new_key_file(tmp_path / "jwt-keys")
    tokens.private_keys.cache_clear()
    yield
    tokens.private_keys.cache_clear()
