"""Typed carrier failures: callers decide what to do by the type, never by parsing messages."""

from __future__ import annotations

__all__ = [
    "ConfigurationError",
    "CourierError",
    "DuplicateCarrierError",
    "DuplicateOrderError",
    "PushRejected",
    "RejectedError",
    "RetryableError",
    "TrackingNumberPending",
    "UnknownCarrierError",
]


class CourierError(Exception):
    """Base of everything a carrier adapter raises; carries the carrier's raw code when there is one."""

    def __init__(self, message: str, *, carrier: str = "", raw_code: str = "") -> None:
        super().__init__(message)
        self.carrier = carrier
        self.raw_code = raw_code


class RetryableError(CourierError):
    """Timeouts, 5xx, rate limits, carrier system errors: the same call may succeed later."""


class TrackingNumberPending(RetryableError):
    """The carrier accepted the booking but has not assigned its tracking number yet.

    Not a sign the carrier is down (adapters raise it outside the circuit breaker): booking the same order id
    again later finds the same order, by then with its number. A `Booking` always carries a tracking number,
    because everything after booking — subscriptions, polling, the citizen's lookup — is keyed by it.
    """


class ConfigurationError(CourierError):
    """Bad signature, expired key, no permission: an operator must fix the configuration."""


class RejectedError(CourierError):
    """The carrier refused the input itself (bad address, outside service area): a clerk must change it."""


class DuplicateOrderError(CourierError):
    """The order id was already booked; adapters resolve this by looking the order up."""


class UnknownCarrierError(CourierError):
    """No adapter is registered under that code."""


class DuplicateCarrierError(ConfigurationError):
    """Two adapters claim the same carrier code; an operator must uninstall or rename one of them."""


class PushRejected(CourierError):
    """An inbound push that must not be processed; `status` is the HTTP status to answer with."""

    def __init__(self, message: str, *, status: int, carrier: str = "") -> None:
        super().__init__(message, carrier=carrier)
        self.status = status
