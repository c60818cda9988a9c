"""The clerk's shipment list query: parsing and validating its filters, without I/O.

Bad values are refused with a message naming the parameter (the API answers 422), never ignored: a
clerk who typed `status=deliverd` must not be shown "no problems today".
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from couriers import Status

__all__ = ["InvalidQuery", "ShipmentQuery", "parse_shipment_query"]

MAX_PER_PAGE = 200
_KNOWN = frozenset(
    {
        "status",
        "carrier",
        "created_from",
        "created_to",
        "updated_from",
        "updated_to",
        "problem",
        "stale_days",
        "page",
        "per_page",
    }
)


class InvalidQuery(ValueError):
    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter
        self.message = f"{parameter}: {message}"


@dataclass(frozen=True, slots=True)
class ShipmentQuery:
    """Bounds are [from, to): a date-only `to` includes that whole day."""

    statuses: frozenset[Status] = frozenset()
    carriers: frozenset[str] = frozenset()
    created_from: datetime | None = None
    created_to: datetime | None = None
    updated_from: datetime | None = None
    updated_to: datetime | None = None
    problem: bool | None = None
    stale_after: timedelta = timedelta(days=3)
    page: int = 1
    per_page: int = 50

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def parse_shipment_query(
    params: Mapping[str, str], *, carriers: Collection[str], default_stale_days: float
) -> ShipmentQuery:
    """Raises `InvalidQuery` for unknown parameters and bad values."""
    unknown = sorted(set(params) - _KNOWN)
    if unknown:
        raise InvalidQuery(unknown[0], f"unknown parameter (known: {', '.join(sorted(_KNOWN))})")
    statuses = frozenset(_status(v) for v in _list(params.get("status")))
    chosen = frozenset(_list(params.get("carrier")))
    for code in chosen:
        if code not in carriers:
            configured = ", ".join(sorted(carriers))
            raise InvalidQuery("carrier", f"unknown carrier {code!r} (configured: {configured})")
    created_from = _bound(params, "created_from", upper=False)
    created_to = _bound(params, "created_to", upper=True)
    updated_from = _bound(params, "updated_from", upper=False)
    updated_to = _bound(params, "updated_to", upper=True)
    for low, high, name in ((created_from, created_to, "created"), (updated_from, updated_to, "updated")):
        if low and high and low >= high:
            raise InvalidQuery(f"{name}_to", f"must be after {name}_from")
    stale_days = _number(params, "stale_days", default_stale_days, low=0.0, high=3650.0)
    return ShipmentQuery(
        statuses=statuses,
        carriers=chosen,
        created_from=created_from,
        created_to=created_to,
        updated_from=updated_from,
        updated_to=updated_to,
        problem=_bool(params, "problem"),
        stale_after=timedelta(days=stale_days),
        page=int(_number(params, "page", 1, low=1, high=1_000_000, integer=True)),
        per_page=int(_number(params, "per_page", 50, low=1, high=MAX_PER_PAGE, integer=True)),
    )


def _list(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _status(value: str) -> Status:
    try:
        return Status(value)
    except ValueError:
        names = ", ".join(s.value for s in Status)
        raise InvalidQuery("status", f"unknown status {value!r} (one of: {names})") from None


def _bound(params: Mapping[str, str], name: str, *, upper: bool) -> datetime | None:
    text = params.get(name, "").strip()
    if not text:
        return None
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return start + timedelta(days=1) if upper else start
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidQuery(name, f"expected a date (2026-11-28) or an ISO datetime, got {text!r}") from None
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment + timedelta(microseconds=1) if upper else moment


def _bool(params: Mapping[str, str], name: str) -> bool | None:
    text = params.get(name, "").strip().lower()
    if not text:
        return None
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise InvalidQuery(name, f"expected true or false, got {text!r}")


def _number(
    params: Mapping[str, str], name: str, default: float, *, low: float, high: float, integer: bool = False
) -> float:
    text = params.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text) if integer else float(text)
    except ValueError:
        kind = "an integer" if integer else "a number"
        raise InvalidQuery(name, f"expected {kind}, got {text!r}") from None
    if not low <= value <= high:
        raise InvalidQuery(name, f"must be between {low:g} and {high:g}, got {text}")
    return value
