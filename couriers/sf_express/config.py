"""The `[couriers.sf_express]` section, validated once so a typo fails at start-up instead of being ignored.

Keys: `partner_id` (顾客编码), `check_word` (校验码), `webhook_secret` (the secret path segment of the route
push URL `/webhooks/sf_express/<webhook_secret>` configured in SF's portal) are required; `base_url` defaults
to SF's sandbox (`https://sfapi-sbox.sf-express.com/std/service`, so a forgotten key never books real
couriers); `monthly_card` (月结卡号) is optional — without it orders are paid by the sender (payMethod 1) on
the spot. The transport keys of `couriers.transport.TRANSPORT_KEYS` are accepted too. Values may be TOML
strings or environment-override strings; secrets never appear in errors or in `repr`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Self

from couriers.config_values import Section
from couriers.transport import TRANSPORT_KEYS

__all__ = ["SANDBOX_URL", "SFExpressConfig"]

_CARRIER = "sf_express"

SANDBOX_URL = "https://sfapi-sbox.sf-express.com/std/service"
PRODUCTION_URL = "https://bspgw.sf-express.com/std/service"

#: A path segment without escaping, long enough not to be guessed.
_SECRET_RE = re.compile(r"[A-Za-z0-9._~-]{16,128}")

_OWN_KEYS = frozenset({"base_url", "partner_id", "check_word", "monthly_card", "webhook_secret"})
_REQUIRED = ("partner_id", "check_word", "webhook_secret")


@dataclass(frozen=True, slots=True)
class SFExpressConfig:
    partner_id: str
    check_word: str = field(repr=False)
    webhook_secret: str = field(repr=False)
    base_url: str = SANDBOX_URL
    monthly_card: str = ""
    #: The optional transport keys as given (read by `TransportPolicy.from_config`).
    transport: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any]) -> Self:
        section = Section(_CARRIER, config)
        section.check_keys(_OWN_KEYS | TRANSPORT_KEYS, _REQUIRED)
        secret = section.text("webhook_secret", secret=True)
        if not _SECRET_RE.fullmatch(secret):
            raise section.error(
                "couriers.sf_express.webhook_secret must be 16-128 characters of A-Z a-z 0-9 . _ ~ -"
            )
        monthly_card = config.get("monthly_card", "")
        if isinstance(monthly_card, int) and not isinstance(monthly_card, bool):
            monthly_card = str(monthly_card)  # a TOML number of digits
        if not isinstance(monthly_card, str) or (monthly_card and not monthly_card.strip().isdigit()):
            raise section.error("couriers.sf_express.monthly_card must be the card's digits")
        return cls(
            partner_id=section.text("partner_id"),
            check_word=section.text("check_word", secret=True),
            webhook_secret=secret,
            base_url=section.url("base_url", SANDBOX_URL),
            monthly_card=monthly_card.strip(),
            transport={k: v for k, v in config.items() if k in TRANSPORT_KEYS},
        )
