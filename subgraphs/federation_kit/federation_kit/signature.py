"""The router's HMAC signature of each subgraph request, checked before anything else runs.

The router (``useHmacSignature`` in supergraph/gateway.config.mjs) signs every subgraph request:
HMAC-SHA256 of the exact request body, keyed by the shared secret, base64-encoded into the
``X-Router-Signature`` header. A subgraph answers only requests signed so: nothing but the router
(and our own services, for the checks behind writes, see :mod:`federation_kit.clients`) can call
it, and nothing between them can change any byte of what was sent.
"""

import base64
import hashlib
import hmac

HEADER = "X-Router-Signature"
MIN_HMAC_SECRET_LENGTH = 16  # the router's twin: ROUTER_HMAC_SECRET in supergraph/gateway.config.mjs


def sign(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def signed_headers(secret: str, body: bytes) -> dict[str, str]:
    """The headers that make ``body`` a signed GraphQL request."""
    return {HEADER: sign(secret, body), "Content-Type": "application/json"}


def is_signed(secret: str, body: bytes, signature: str | None) -> bool:
    if not secret or not signature:
        return False
    # Header values reach Django decoded as latin-1: that encoding gives their bytes back.
    return hmac.compare_digest(sign(secret, body).encode(), signature.encode("latin-1", "replace"))
