"""The users service's signing keys, from its JWKS, kept as the router keeps them
(supergraph/bearer-tokens.mjs).

Fetched when first needed, again once ``KEPT`` old (a key removed from the JWKS is then trusted
no longer), and for a key id they lack (a new key after a rotation) at most once per
``REFETCH_COOLDOWN``, so made-up key ids cannot make requests fetch; requests wait for one shared
fetch. A failed fetch (no answer in time, not 200, no usable key) keeps the keys in hand: while
the users service is down, the tokens it issued stay good, and a refetch is tried once per
cooldown beside the requests, none of which waits for it. Not PyJWKClient: during an outage it
says "no such key" (a 401) for a kid it lacks rather than "cannot check now", and it has no way
to keep the keys it last fetched for just as long as the outage lasts.
"""

import http.client
import json
import threading
import time
import urllib.request
from typing import Any

import jwt

KEPT = 300  # seconds
REFETCH_COOLDOWN = 5  # seconds between two fetches
MAX_JWKS_BYTES = 1024 * 1024


class KeysUnavailable(Exception):
    """The users service's JWKS could not be fetched: no token can be checked now."""


class UnknownKey(Exception):
    """The JWKS, fetched just now or within the cooldown, has no key of this id."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is an HTTPError, as any answer but 200


def signature_keys(jwks: Any) -> dict[str, Any]:
    """The RS256 public keys of a JWKS by key id. A JWK with private members (``d``) is skipped:
    a JWKS must never publish one."""
    found = jwks.get("keys") if isinstance(jwks, dict) else None
    keys = {}
    for jwk in found if isinstance(found, list) else []:
        usable = (
            isinstance(jwk, dict)
            and jwk.get("kty") == "RSA"
            and isinstance(jwk.get("kid"), str)
            and jwk.get("use", "sig") == "sig"
            and jwk.get("alg", "RS256") == "RS256"
        )
        if not usable or "d" in jwk:
            continue
        try:
            keys[jwk["kid"]] = jwt.PyJWK.from_dict(jwk, "RS256").key
        except jwt.PyJWTError:
            continue  # not a valid RSA public key: as if it were not there
    return keys


class JWKSKeys:
    def __init__(self, url: str, timeout: float) -> None:
        self.url, self.timeout = url, timeout
        self._opener = urllib.request.build_opener(_NoRedirects)
        self._keys: dict[str, Any] = {}
        self._fetched_at = -float("inf")  # the last fetch that succeeded
        self._tried_at = -float("inf")  # the last fetch, whatever came of it
        self._failed = False  # whether the last fetch failed
        self._lock = threading.Lock()  # gthread workers: one fetch at a time

    def key_for(self, kid: str) -> Any:
        # The dict of keys is replaced whole by a fetch: reading it without the lock is safe.
        if self._failed and kid in self._keys:
            if time.monotonic() - self._tried_at >= REFETCH_COOLDOWN:
                self._refetch_beside()
            return self._keys[kid]
        with self._lock:
            now = time.monotonic()
            if kid in self._keys and now - self._fetched_at <= KEPT:
                return self._keys[kid]
            if now - self._tried_at >= REFETCH_COOLDOWN:
                self._fetch()
            if kid in self._keys:
                return self._keys[kid]
            if self._failed:
                raise KeysUnavailable(f"the JWKS at {self.url} could not be fetched")
            raise UnknownKey(kid)

    def _refetch_beside(self) -> None:
        if not self._lock.acquire(blocking=False):
            return  # a fetch is under way

        def refetch() -> None:
            try:
                if time.monotonic() - self._tried_at >= REFETCH_COOLDOWN:  # not just done by another
                    self._fetch()
            finally:
                self._lock.release()

        threading.Thread(target=refetch, name="jwks-refetch", daemon=True).start()

    def _fetch(self) -> None:
        self._tried_at = time.monotonic()
        try:
            with self._opener.open(self.url, timeout=self.timeout) as response:
                body = response.read(MAX_JWKS_BYTES + 1)
            keys = signature_keys(json.loads(body)) if len(body) <= MAX_JWKS_BYTES else {}
        except (OSError, http.client.HTTPException, ValueError):  # URLError, HTTPError: OSErrors
            keys = {}
        if keys:
            self._keys, self._fetched_at, self._failed = keys, time.monotonic(), False
        else:
            self._failed = True
