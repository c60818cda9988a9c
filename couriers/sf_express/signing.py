"""SF's request signature `msgDigest`: Base64(MD5(JavaURLEncode(msgData + timestamp + checkWord))).

SF's reference SDK is Java and encodes with `java.net.URLEncoder.encode(text, "UTF-8")` before hashing, so the
digest depends on that encoder's exact rules, which differ from Python's `quote_plus`:

- unreserved: `A-Z a-z 0-9 . - * _` (Java keeps `*`, `quote_plus` escapes it as `%2A`);
- `~` is escaped as `%7E` (`quote_plus` keeps it);
- space becomes `+`; every other byte of the UTF-8 encoding becomes `%XX` in upper-case hex.

The published example in SF's documentation (msgData `{"language":"zh-CN","orderId":"QIAO-20200618-004"}`,
timestamp `12312334453453`, checkWord `fjcg5PGKaNpPSHFAZ4QsCOkV71R3zVci`) must give
`IIKJtuLVzoFTu4kHI8M8vA==`; the unit tests hold this module to it byte for byte.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

__all__ = ["java_url_encode", "msg_digest", "verify_digest"]

_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-*_")


def java_url_encode(text: str) -> str:
    """`java.net.URLEncoder.encode(text, "UTF-8")`, byte for byte."""
    out: list[str] = []
    for byte in text.encode("utf-8"):
        if byte in _UNRESERVED:
            out.append(chr(byte))
        elif byte == 0x20:
            out.append("+")
        else:
            out.append(f"%{byte:02X}")
    return "".join(out)


def msg_digest(msg_data: str, timestamp: str | int, check_word: str) -> str:
    """The `msgDigest` form field for `msg_data` (the exact JSON string sent) at `timestamp` (ms)."""
    encoded = java_url_encode(f"{msg_data}{timestamp}{check_word}")
    return base64.b64encode(hashlib.md5(encoded.encode("ascii")).digest()).decode("ascii")


def verify_digest(msg_data: str, timestamp: str | int, check_word: str, digest: str) -> bool:
    """Constant-time check of a received `msgDigest` (what SF's gateway, and our simulator, do)."""
    expected = msg_digest(msg_data, timestamp, check_word)
    return hmac.compare_digest(expected.encode("ascii"), digest.encode("utf-8", errors="replace"))
