"""What WhatsApp ids become outside WhatsApp: digests for Redis keys, references for logs.

WhatsApp message ids (`wamid.…`) embed the sender's phone number, and a resident's id may
be the phone number itself, so neither is ever written raw to Redis keys or to logs.
`digest` is a plain SHA-256 (stable across processes, for keys that must match between
replicas); `ref` is keyed with a secret drawn at start-up, so a short log reference of a
phone number cannot be reversed by trying every number.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

_LOG_KEY = secrets.token_bytes(32)


def digest(value: str) -> str:
    """The SHA-256 of `value`, in hex."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def ref(value: str) -> str:
    """A short reference to `value` for logs: the same within this process, opaque outside."""
    return hmac.new(_LOG_KEY, value.encode("utf-8"), hashlib.sha256).hexdigest()[:12]
