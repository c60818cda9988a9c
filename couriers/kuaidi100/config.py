"""The `[couriers.kuaidi100]` section, validated once so a typo fails at start-up instead of being ignored.

Required: `customer` (the query company id), `key` (授权key), `secret` (border API secret) and `salt` (the
string pushes and order callbacks are signed with). Optional: the three endpoint URLs (production by default),
`com` (the carrier booked and tracked through Kuaidi100, default "zhongtong") and `callback_url`, the public
URL of this service's `/webhooks/kuaidi100` endpoint when it differs from the one the service derives from
`server.public_url` (bOrder's `callBackUrl` is required). Plus the transport keys of `TRANSPORT_KEYS`.

Values are never echoed in errors: a secret typed into the wrong key must not end up in a log.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Self
from urllib.parse import urlsplit

from couriers.errors import ConfigurationError
from couriers.transport import TRANSPORT_KEYS, TransportPolicy

__all__ = [
    "DEFAULT_BORDER_URL",
    "DEFAULT_POLL_URL",
    "DEFAULT_QUERY_URL",
    "DEFAULT_RATE_PER_SECOND",
    "Kuaidi100Config",
]

_CARRIER = "kuaidi100"
DEFAULT_QUERY_URL = "https://poll.kuaidi100.com/poll/query.do"
DEFAULT_POLL_URL = "https://poll.kuaidi100.com/poll"
DEFAULT_BORDER_URL = "https://poll.kuaidi100.com/order/borderapi.do"
#: Kuaidi100 publishes no per-second figure; 10 calls/s per account is our assumption (the simulator
#: enforces it).
DEFAULT_RATE_PER_SECOND = 10.0

_REQUIRED = ("customer", "key", "secret", "salt")
_URL_DEFAULTS = {
    "query_url": DEFAULT_QUERY_URL,
    "poll_url": DEFAULT_POLL_URL,
    "border_url": DEFAULT_BORDER_URL,
}


@dataclass(frozen=True, slots=True)
class Kuaidi100Config:
    customer: str = field(repr=False)
    key: str = field(repr=False)
    secret: str = field(repr=False)
    salt: str = field(repr=False)
    com: str = "zhongtong"
    query_url: str = DEFAULT_QUERY_URL
    poll_url: str = DEFAULT_POLL_URL
    border_url: str = DEFAULT_BORDER_URL
    callback_url: str = ""
    transport: TransportPolicy = field(
        default_factory=lambda: TransportPolicy(rate_per_second=DEFAULT_RATE_PER_SECOND)
    )

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any]) -> Self:
        known = {*_REQUIRED, *_URL_DEFAULTS, "com", "callback_url"}
        unknown = sorted(str(k) for k in config if k not in known and k not in TRANSPORT_KEYS)
        if unknown:
            raise ConfigurationError(
                f"couriers.kuaidi100: unknown key(s) {', '.join(unknown)} "
                f"(known: {', '.join(sorted(known | TRANSPORT_KEYS))})",
                carrier=_CARRIER,
            )
        missing = [k for k in _REQUIRED if k not in config]
        if missing:
            raise ConfigurationError(
                f"couriers.kuaidi100: missing required key(s) {', '.join(missing)}", carrier=_CARRIER
            )
        values = {k: _text(k, config[k]) for k in _REQUIRED}
        com = _text("com", config.get("com", "zhongtong"))
        if not com.isascii() or not com.replace("_", "").isalnum() or com != com.lower():
            raise ConfigurationError(
                "couriers.kuaidi100.com must be a lower-case Kuaidi100 carrier code such as 'zhongtong'",
                carrier=_CARRIER,
            )
        urls = {k: _url(k, config.get(k, default)) for k, default in _URL_DEFAULTS.items()}
        callback = config.get("callback_url", "")
        callback_url = _url("callback_url", callback).rstrip("/") if callback else ""
        try:
            policy = TransportPolicy.from_config(config, rate_per_second=DEFAULT_RATE_PER_SECOND)
        except (TypeError, ValueError) as e:
            raise ConfigurationError(
                f"couriers.kuaidi100: a transport key is not a number ({type(e).__name__})", carrier=_CARRIER
            ) from None
        return cls(**values, com=com, **urls, callback_url=callback_url, transport=policy)


def _text(key: str, value: object) -> str:
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise ConfigurationError(f"couriers.kuaidi100.{key} must be a non-empty string", carrier=_CARRIER)


def _url(key: str, value: object) -> str:
    text = _text(key, value)
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigurationError(f"couriers.kuaidi100.{key} must be an http(s) URL", carrier=_CARRIER)
    return text
