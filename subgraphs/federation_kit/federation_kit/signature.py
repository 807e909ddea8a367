"""The router's HMAC signature of each subgraph request, checked before anything else runs.

The router (``useHmacSignature`` in supergraph/gateway.config.mjs, in the format of Hive
Gateway's ``hmacSignature``) signs every subgraph request: HMAC-SHA256, keyed by the shared
secret, over the stable JSON (sorted keys, no spaces) of ``{query, variables}``,
base64-encoded into ``extensions["hmac-signature"]``. A subgraph answers only requests
signed so: nothing but the router (and our own services, for the checks behind writes,
see :mod:`federation_kit.clients`) can call it.
"""

import base64
import hashlib
import hmac
import json
import math
import re
from typing import Any

EXTENSION = "hmac-signature"


def _js_number(value: float) -> str:
    # JSON.stringify prints 1.0 as "1" and 1e-7 as "1e-7"; Python's repr does not.
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    mantissa, _, exponent = text.partition("e")
    return f"{mantissa}e{int(exponent):+d}".replace("e+-", "e-") if exponent else text


def _has_float(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_has_float(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_float(v) for v in value)
    return isinstance(value, float)


def stable_json(value: Any) -> str:
    """JSON as json-stable-stringify writes it, the way the router signs."""
    if not _has_float(value):
        # Without floats, Python's encoder (in C) writes the same: a batch of 1,000 entity
        # representations is signed in a fraction of the time the walk below takes.
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return _stable_json(value)


def _stable_json(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{_stable_json(v)}" for k, v in sorted(value.items())) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_stable_json(v) for v in value) + "]"
    if isinstance(value, float) and math.isfinite(value):
        return _js_number(value)
    return json.dumps(value, ensure_ascii=False)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # in a Python str, every surrogate is unpaired


def signed_content(query: str, variables: dict[str, Any] | None) -> str:
    content = stable_json({"query": query, "variables": variables} if variables else {"query": query})
    # JSON.stringify escapes an unpaired surrogate (which a client's JSON may hold) as \udXXX.
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", content)


def sign(secret: str, query: str, variables: dict[str, Any] | None) -> str:
    digest = hmac.new(secret.encode(), signed_content(query, variables).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def is_signed(secret: str, body: dict[str, Any]) -> bool:
    extensions = body.get("extensions")
    signature = extensions.get(EXTENSION) if isinstance(extensions, dict) else None
    query = body.get("query")
    if not secret or not isinstance(signature, str) or not isinstance(query, str):
        return False
    return hmac.compare_digest(signature, sign(secret, query, body.get("variables")))
