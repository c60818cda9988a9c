"""certpost's carrier library: one adapter contract, normalized statuses, typed errors, and a lazy registry.

This facade is the library's public face; adapters themselves (e.g. `couriers.sandbox`) are imported only
when the registry first resolves their code, so importing `couriers` pulls in no HTTP client.
"""

from __future__ import annotations

from couriers.contract import (
    Address,
    Booking,
    Capabilities,
    Courier,
    InboundPush,
    PickupRequest,
    PushOutcome,
    TrackQuery,
    TrackResult,
)
from couriers.errors import (
    ConfigurationError,
    CourierError,
    DuplicateCarrierError,
    DuplicateOrderError,
    PushRejected,
    RejectedError,
    RetryableError,
    TrackingNumberPending,
    UnknownCarrierError,
)
from couriers.events import TrackingEvent
from couriers.registry import (
    BUILTIN_COURIERS,
    ENTRY_POINT_GROUP,
    CourierRegistry,
    available,
    create,
    default_registry,
    get,
    load_entry_points,
    register,
)
from couriers.status import ACTIVE_STATUSES, TERMINAL_STATUSES, Status

__all__ = [
    "ACTIVE_STATUSES",
    "BUILTIN_COURIERS",
    "ENTRY_POINT_GROUP",
    "TERMINAL_STATUSES",
    "Address",
    "Booking",
    "Capabilities",
    "ConfigurationError",
    "Courier",
    "CourierError",
    "CourierRegistry",
    "DuplicateCarrierError",
    "DuplicateOrderError",
    "InboundPush",
    "PickupRequest",
    "PushOutcome",
    "PushRejected",
    "RejectedError",
    "RetryableError",
    "Status",
    "TrackQuery",
    "TrackResult",
    "TrackingEvent",
    "TrackingNumberPending",
    "UnknownCarrierError",
    "available",
    "create",
    "default_registry",
    "get",
    "load_entry_points",
    "register",
]
