"""The `[couriers.kuaidi100]` section, validated once so a typo fails at start-up instead of being ignored.

Required: `customer` (the query company id), `key` (授权key), `secret` (border API secret) and `salt` (the
string pushes and order callbacks are signed with), and the URLs of the real-time query (`query_url`) and
subscription (`poll_url`) APIs: Kuaidi100 names no sandbox for those two, so there is no safe default and a
missing one is a `ConfigurationError` that gives the production URL to set. `border_url` (商家寄件) defaults
to Kuaidi100's mock endpoint `https://api.kuaidi100.com/apiMock/border`, as SF and EMS default to their test
endpoints: a forgotten key never books a real courier. Optional: `com` (the carrier booked and tracked through
Kuaidi100, default "zhongtong") and `callback_url`, the public URL of this service's `/webhooks/kuaidi100`
endpoint when it differs from the one the service derives from `server.public_url` (bOrder's `callBackUrl` is
required). Plus the transport keys of `TRANSPORT_KEYS`.

Values are never echoed in errors: a secret typed into the wrong key must not end up in a log.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Self

from couriers.config_values import Section
from couriers.transport import TRANSPORT_KEYS, TransportPolicy

__all__ = [
    "DEFAULT_BORDER_URL",
    "DEFAULT_RATE_PER_SECOND",
    "PRODUCTION_BORDER_URL",
    "PRODUCTION_POLL_URL",
    "PRODUCTION_QUERY_URL",
    "Kuaidi100Config",
]

_CARRIER = "kuaidi100"
PRODUCTION_QUERY_URL = "https://poll.kuaidi100.com/poll/query.do"
PRODUCTION_POLL_URL = "https://poll.kuaidi100.com/poll"
PRODUCTION_BORDER_URL = "https://poll.kuaidi100.com/order/borderapi.do"
#: Kuaidi100's mock of the border API (carriers.md): the default, so nothing real is booked by accident.
DEFAULT_BORDER_URL = "https://api.kuaidi100.com/apiMock/border"
#: Kuaidi100 publishes no per-second figure; 10 calls/s per account is our assumption (the simulator
#: enforces it).
DEFAULT_RATE_PER_SECOND = 10.0

_REQUIRED = ("customer", "key", "secret", "salt")
_KNOWN = (
    frozenset({*_REQUIRED, "query_url", "poll_url", "border_url", "com", "callback_url"}) | TRANSPORT_KEYS
)


@dataclass(frozen=True, slots=True)
class Kuaidi100Config:
    customer: str = field(repr=False)
    key: str = field(repr=False)
    secret: str = field(repr=False)
    salt: str = field(repr=False)
    query_url: str
    poll_url: str
    com: str = "zhongtong"
    border_url: str = DEFAULT_BORDER_URL
    callback_url: str = ""
    transport: TransportPolicy = field(
        default_factory=lambda: TransportPolicy(rate_per_second=DEFAULT_RATE_PER_SECOND)
    )

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any]) -> Self:
        section = Section(_CARRIER, config)
        section.check_keys(_KNOWN, _REQUIRED)
        values = {k: section.text(k, secret=True) for k in _REQUIRED}
        com = section.text("com", "zhongtong")
        if not com.isascii() or not com.replace("_", "").isalnum() or com != com.lower():
            raise section.error(
                "couriers.kuaidi100.com must be a lower-case Kuaidi100 carrier code such as 'zhongtong'"
            )
        query_url = section.url(
            "query_url", missing=f"Kuaidi100 has no sandbox query API; production is {PRODUCTION_QUERY_URL}"
        )
        poll_url = section.url(
            "poll_url", missing=f"Kuaidi100 has no sandbox subscribe API; production is {PRODUCTION_POLL_URL}"
        )
        callback = config.get("callback_url", "")
        return cls(
            **values,
            query_url=query_url,
            poll_url=poll_url,
            com=com,
            border_url=section.url("border_url", DEFAULT_BORDER_URL),
            callback_url=section.url("callback_url").rstrip("/") if callback else "",
            transport=TransportPolicy.from_config(
                config, rate_per_second=DEFAULT_RATE_PER_SECOND, carrier=_CARRIER
            ),
        )
