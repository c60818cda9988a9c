"""Kuaidi100's three signatures, all upper-case hex MD5 over plain concatenation (no separators).

- real-time query:      sign = UPPER(MD5(param + key + customer))
- tracking push:        sign = UPPER(MD5(param + salt))          (salt given when subscribing)
- border (商家寄件) API: sign = UPPER(MD5(param + t + key + secret))  (t: milliseconds since the epoch)

The border order callback is assumed to be signed like the tracking push (`MD5(param + salt)`, salt given in
the bOrder param), as Kuaidi100's other callbacks are (`taskId`, `sign`, `param` form fields).

`param` is signed exactly as sent: callers build it once with `encode_param` (compact JSON, Chinese kept:
`couriers.wire_common.dump_json`) and put that very string in the form. Strings are UTF-8 encoded before
hashing.
"""

from __future__ import annotations

import hashlib
import hmac

from couriers.wire_common import dump_json as encode_param

__all__ = ["border_sign", "encode_param", "push_sign", "query_sign", "verify_push"]


def _md5_upper(text: str) -> str:
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest().upper()


def query_sign(param: str, key: str, customer: str) -> str:
    return _md5_upper(param + key + customer)


def push_sign(param: str, salt: str) -> str:
    return _md5_upper(param + salt)


def border_sign(param: str, t: str, key: str, secret: str) -> str:
    return _md5_upper(param + t + key + secret)


def verify_push(param: str, salt: str, sign: str | None) -> bool:
    """Whether `sign` is the push signature of `param` (case-insensitive, constant time).

    Compared as bytes: `hmac.compare_digest` raises `TypeError` for a str with non-ASCII characters, and a
    forged sign may contain anything.
    """
    if not sign:
        return False
    expected = push_sign(param, salt).encode("ascii")
    return hmac.compare_digest(expected, sign.strip().upper().encode("utf-8", errors="replace"))
