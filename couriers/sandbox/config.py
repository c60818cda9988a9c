"""The `[couriers.sandbox]` section, validated once so a typo fails at start-up instead of being ignored.

Values may arrive as TOML types or, from `CERTPOST_COURIERS_SANDBOX_*` environment overrides, as strings; both
are accepted, anything else is a `ConfigurationError` naming the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Self

from couriers.config_values import Section

__all__ = ["SandboxConfig"]

_CARRIER = "sandbox"


@dataclass(frozen=True, slots=True)
class SandboxConfig:
    """`time_scale`: simulated seconds per real second; `push`: send events to subscribers' callback URLs;
    `secret`: HMAC key of pushes; `seed`: mixed into every parcel's life so demos can differ."""

    time_scale: float = 60.0
    push: bool = True
    secret: str = "sandbox-dev-secret"
    seed: int = 0

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any]) -> Self:
        section = Section(_CARRIER, config)
        section.check_keys({f.name for f in fields(cls)})
        defaults = cls()
        return cls(
            time_scale=section.positive_number("time_scale", defaults.time_scale),
            push=section.flag("push", defaults.push),
            secret=section.text("secret", defaults.secret, secret=True),
            seed=section.whole_number("seed", defaults.seed),
        )
