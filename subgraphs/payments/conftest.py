import pytest


@pytest.fixture(autouse=True)
def _db(db):
    """Every test of this service may use its database."""
