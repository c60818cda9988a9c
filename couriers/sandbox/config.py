"""The `[couriers.sandbox]` section, validated once so a typo fails at start-up instead of being ignored.

Values may arrive as TOML types or, from `CERTPOST_COURIERS_SANDBOX_*` environment overrides, as strings; both
are accepted, anything else is a `ConfigurationError` naming the key.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Self

from couriers.errors import ConfigurationError

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
        known = {f.name for f in fields(cls)}
        for key in config:
            if key not in known:
                raise ConfigurationError(
                    f"couriers.sandbox: unknown key {key!r} (known: {', '.join(sorted(known))})",
                    carrier=_CARRIER,
                )
        defaults = cls()
        return cls(
            time_scale=_positive_float("time_scale", config.get("time_scale", defaults.time_scale)),
            push=_bool("push", config.get("push", defaults.push)),
            secret=_secret("secret", config.get("secret", defaults.secret)),
            seed=_int("seed", config.get("seed", defaults.seed)),
        )


def _fail(key: str, expected: str, value: object) -> ConfigurationError:
    return ConfigurationError(f"couriers.sandbox.{key} must be {expected}, got {value!r}", carrier=_CARRIER)


def _positive_float(key: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _fail(key, "a positive number", value)
    try:
        number = float(value)
    except ValueError:
        raise _fail(key, "a positive number", value) from None
    if not math.isfinite(number) or number <= 0:
        raise _fail(key, "a positive number", value)
    return number


def _bool(key: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in (
        "true",
        "1",
        "yes",
        "on",
        "false",
        "0",
        "no",
        "off",
    ):
        return value.strip().lower() in ("true", "1", "yes", "on")
    raise _fail(key, "true or false", value)


def _int(key: str, value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise _fail(key, "an integer", value)


def _secret(key: str, value: object) -> str:
    if isinstance(value, str) and value:
        return value
    raise _fail(key, "a non-empty string", "<hidden>" if isinstance(value, str) else type(value).__name__)
