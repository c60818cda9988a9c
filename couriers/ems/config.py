"""The `[couriers.ems]` section, validated once so a typo or a broken key fails at start-up.

Keys: `sender_no` (协议客户号), `authorization` (授权码), `sign_key` (Base64 of the 16-byte SM4 key) are
required; `base_url` defaults to EMS's test endpoint (`SANDBOX_URL`), as SF and Kuaidi100 default to
theirs — a forgotten key never books a real courier; set `PRODUCTION_URL` to go live. The transport keys of
`couriers.transport.TRANSPORT_KEYS` are optional (validated by `TransportPolicy.from_config`). Secrets are
kept out of `repr` and out of every error message.

`TEST_SENDER_NO`, `TEST_AUTHORIZATION` and `TEST_SIGN_KEY` are what the simulator accepts by default. EMS
publishes no shared test account (each customer gets its own from the account manager), so these are
placeholders; the sign key is the one of EMS's published encryption example.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Self

from couriers.config_values import Section
from couriers.ems.payload import PayloadError, decode_key
from couriers.transport import TRANSPORT_KEYS, TransportPolicy

__all__ = [
    "PRODUCTION_URL",
    "RATE_LIMIT_PER_SECOND",
    "SANDBOX_URL",
    "TEST_AUTHORIZATION",
    "TEST_SENDER_NO",
    "TEST_SIGN_KEY",
    "EMSConfig",
]

_CARRIER = "ems"

PRODUCTION_URL = "https://api.ems.com.cn/amp-prod-api/f/amp/api/open"
SANDBOX_URL = "https://api.ems.com.cn/amp-prod-api/f/amp/api/test"

#: Calls per second per customer. Assumed: EMS publishes no figure; 20/s is what the simulator enforces.
RATE_LIMIT_PER_SECOND = 20.0

TEST_SENDER_NO = "1100000000001"
TEST_AUTHORIZATION = "certpost-ems-test-authorization"
TEST_SIGN_KEY = "TvaBgrhE46sft3nZlfe7xw=="

_REQUIRED = ("sender_no", "authorization", "sign_key")
_OWN_KEYS = frozenset({*_REQUIRED, "base_url"})


@dataclass(frozen=True, slots=True)
class EMSConfig:
    sender_no: str
    authorization: str = field(repr=False)
    sign_key: str = field(repr=False)
    base_url: str = SANDBOX_URL
    transport: TransportPolicy = field(
        default_factory=lambda: TransportPolicy(rate_per_second=RATE_LIMIT_PER_SECOND)
    )

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any]) -> Self:
        section = Section(_CARRIER, config)
        section.check_keys(_OWN_KEYS | TRANSPORT_KEYS, _REQUIRED)
        sender_no = section.text("sender_no")
        authorization = section.text("authorization", secret=True)
        sign_key = section.text("sign_key", secret=True)
        try:
            decode_key(sign_key)
        except PayloadError as e:
            raise section.error(f"couriers.ems.sign_key is not usable: {e}") from None
        return cls(
            sender_no,
            authorization,
            sign_key,
            section.url("base_url", SANDBOX_URL),
            TransportPolicy.from_config(config, rate_per_second=RATE_LIMIT_PER_SECOND, carrier=_CARRIER),
        )
