"""The `[couriers.ems]` section, validated once so a typo or a broken key fails at start-up.

Keys: `sender_no` (协议客户号), `authorization` (授权码), `sign_key` (Base64 of the 16-byte SM4 key) are
required; `base_url` defaults to the production endpoint (`SANDBOX_URL` is EMS's test endpoint); the
transport keys of `couriers.transport.TRANSPORT_KEYS` are optional. Secrets are kept out of `repr` and out of
every error message.

`TEST_SENDER_NO`, `TEST_AUTHORIZATION` and `TEST_SIGN_KEY` are what the simulator accepts by default. EMS
publishes no shared test account (each customer gets its own from the account manager), so these are
placeholders; the sign key is the one of EMS's published encryption example.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Self
from urllib.parse import urlsplit

from couriers.ems.payload import PayloadError, decode_key
from couriers.errors import ConfigurationError
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
    base_url: str = PRODUCTION_URL
    transport: TransportPolicy = field(
        default_factory=lambda: TransportPolicy(rate_per_second=RATE_LIMIT_PER_SECOND)
    )

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any]) -> Self:
        unknown = sorted(str(k) for k in config if k not in _OWN_KEYS | TRANSPORT_KEYS)
        if unknown:
            known = ", ".join(sorted(_OWN_KEYS | TRANSPORT_KEYS))
            raise ConfigurationError(
                f"couriers.ems: unknown key(s) {', '.join(unknown)} (known: {known})", carrier=_CARRIER
            )
        missing = [k for k in _REQUIRED if k not in config]
        if missing:
            raise ConfigurationError(
                f"couriers.ems: missing required key(s) {', '.join(missing)}", carrier=_CARRIER
            )
        sender_no = _string("sender_no", config["sender_no"])
        authorization = _string("authorization", config["authorization"], secret=True)
        sign_key = _string("sign_key", config["sign_key"], secret=True)
        try:
            decode_key(sign_key)
        except PayloadError as e:
            raise ConfigurationError(f"couriers.ems.sign_key is not usable: {e}", carrier=_CARRIER) from None
        base_url = _string("base_url", config.get("base_url", PRODUCTION_URL))
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigurationError(
                f"couriers.ems.base_url must be an http(s) URL, got {base_url!r}", carrier=_CARRIER
            )
        try:
            policy = TransportPolicy.from_config(config, rate_per_second=RATE_LIMIT_PER_SECOND)
        except (TypeError, ValueError) as e:
            raise ConfigurationError(f"couriers.ems: bad transport setting: {e}", carrier=_CARRIER) from None
        if policy.rate_per_second <= 0 or policy.timeout_seconds <= 0:
            raise ConfigurationError(
                "couriers.ems: rate_per_second and timeout_seconds must be positive", carrier=_CARRIER
            )
        return cls(sender_no, authorization, sign_key, base_url, policy)


def _string(key: str, value: object, *, secret: bool = False) -> str:
    if isinstance(value, str) and value.strip():
        return value.strip()
    shown = "<hidden>" if secret else repr(value)
    raise ConfigurationError(f"couriers.ems.{key} must be a non-empty string, got {shown}", carrier=_CARRIER)
