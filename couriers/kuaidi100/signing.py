"""Kuaidi100's three signatures, all upper-case hex MD5 over plain concatenation (no separators).

- real-time query:      sign = UPPER(MD5(param + key + customer))
- tracking push:        sign = UPPER(MD5(param + salt))          (salt given when subscribing)
- border (商家寄件) API: sign = UPPER(MD5(param + t + key + secret))  (t: milliseconds since the epoch)

The border order callback is assumed to be signed like the tracking push (`MD5(param + salt)`, salt given in
the bOrder param), as Kuaidi100's other callbacks are (`taskId`, `sign`, `param` form fields).

`param` is signed exactly as sent: callers build it once with `encode_param` and put that very string in the
form. Strings are UTF-8 encoded before hashing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

__all__ = ["border_sign", "encode_param", "push_sign", "query_sign", "verify_push"]


def _md5_upper(text: str) -> str:
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest().upper()


def encode_param(param: Any) -> str:
    """The JSON text of a `param` field: compact, UTF-8 characters kept as they are."""
    return json.dumps(param, ensure_ascii=False, separators=(",", ":"))


def query_sign(param: str, key: str, customer: str) -> str:
    return _md5_upper(param + key + customer)


def push_sign(param: str, salt: str) -> str:
    return _md5_upper(param + salt)


def border_sign(param: str, t: str, key: str, secret: str) -> str:
    return _md5_upper(param + t + key + secret)


def verify_push(param: str, salt: str, sign: str | None) -> bool:
    """Whether `sign` is the push signature of `param` (case-insensitive, constant time)."""
    if not sign:
        return False
    return hmac.compare_digest(push_sign(param, salt), sign.strip().upper())
