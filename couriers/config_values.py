"""Reading one `[couriers.<code>]` section: known keys, required keys, and typed values with named errors.

Every adapter validates its section once, at start-up, so a typo fails loudly instead of being ignored.
Values come from TOML (typed) or from `CERTPOST_COURIERS_<CODE>_<KEY>` environment overrides (always
strings), so numbers and booleans are accepted in both forms. Every error names the full key
(`couriers.ems.timeout_seconds`) and the bad value — except secrets, which are never echoed: a key typed into
the wrong field must not end up in a log.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from typing import Any
from urllib.parse import urlsplit

from couriers.errors import ConfigurationError

__all__ = ["Section"]

_TRUE = ("true", "1", "yes", "on")
_FALSE = ("false", "0", "no", "off")


class Section:
    """One carrier's config mapping, read key by key; `carrier` "" gives bare key names in messages."""

    def __init__(self, carrier: str, config: Mapping[str, Any]) -> None:
        self.carrier = carrier
        self.config = config

    def name(self, key: str = "") -> str:
        """`couriers.<code>.<key>`, the way the operator writes it in TOML."""
        prefix = f"couriers.{self.carrier}" if self.carrier else ""
        return ".".join(part for part in (prefix, key) if part)

    def error(self, message: str) -> ConfigurationError:
        return ConfigurationError(message, carrier=self.carrier)

    def check_keys(self, known: Collection[str], required: Collection[str] = ()) -> None:
        """Unknown keys and missing required keys are errors that list what is expected."""
        unknown = sorted(str(k) for k in self.config if k not in known)
        if unknown:
            raise self.error(
                f"{self.name()}: unknown key(s) {', '.join(map(repr, unknown))} "
                f"(known: {', '.join(sorted(known))})"
            )
        missing = [k for k in required if k not in self.config]
        if missing:
            raise self.error(f"{self.name()}: missing required key(s) {', '.join(missing)}")

    def _fail(self, key: str, expected: str, value: object, *, secret: bool = False) -> ConfigurationError:
        return self.error(f"{self.name(key)} must be {expected}, got {_shown(value, secret)}")

    def text(self, key: str, default: str | None = None, *, secret: bool = False) -> str:
        """A non-empty string, stripped; required when `default` is None."""
        value = self.config.get(key, default)
        if value is None:
            raise self.error(f"{self.name()}: missing required key(s) {key}")
        if isinstance(value, str) and value.strip():
            return value.strip()
        raise self._fail(key, "a non-empty string", value, secret=secret)

    def url(self, key: str, default: str | None = None, *, missing: str = "") -> str:
        """An http(s) URL; `missing` explains what to set when the key is required and absent."""
        if key not in self.config and default is None:
            hint = f": {missing}" if missing else ""
            raise self.error(f"{self.name(key)} is required{hint}")
        text = self.text(key, default)
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise self._fail(key, "an http(s) URL", text)
        return text

    def positive_number(self, key: str, default: float) -> float:
        """A finite number > 0 (a TOML number or a numeric string)."""
        value = self.config.get(key, default)
        number = _as_float(value)
        if number is None or not math.isfinite(number) or number <= 0:
            raise self._fail(key, "a positive number", value)
        return number

    def whole_number(self, key: str, default: int, *, minimum: int | None = None) -> int:
        """An integer (TOML integer or digit string), at least `minimum` when given."""
        value = self.config.get(key, default)
        number = _as_int(value)
        if number is None:
            raise self._fail(key, "a whole number", value)
        if minimum is not None and number < minimum:
            raise self._fail(key, f"a whole number of at least {minimum}", value)
        return number

    def flag(self, key: str, default: bool) -> bool:
        """A boolean (TOML true/false, or true/false, 1/0, yes/no, on/off as a string)."""
        value = self.config.get(key, default)
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in (*_TRUE, *_FALSE):
            return value.strip().lower() in _TRUE
        raise self._fail(key, "true or false", value)


def _shown(value: object, secret: bool) -> str:
    """The bad value as an error shows it: a secret only by its type (or as empty)."""
    if not secret:
        return repr(value)
    if isinstance(value, str):
        return "an empty string" if not value.strip() else "<hidden>"
    return f"a {type(value).__name__}"


def _as_float(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return float(value)
    except (ValueError, OverflowError):
        return None


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None
