"""The normalized tracking vocabulary every carrier's raw codes map onto (design.md)."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ACTIVE_STATUSES", "TERMINAL_STATUSES", "Status"]


class Status(StrEnum):
    PENDING = "pending"
    INFO_RECEIVED = "info_received"
    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    AVAILABLE_FOR_PICKUP = "available_for_pickup"
    DELIVERY_FAILED = "delivery_failed"
    EXCEPTION = "exception"
    RETURNING = "returning"
    DELIVERED = "delivered"
    RETURNED = "returned"
    CANCELLED = "cancelled"
    EXPIRED = "expired"

    @property
    def terminal(self) -> bool:
        return self in TERMINAL_STATUSES


TERMINAL_STATUSES: frozenset[Status] = frozenset(
    {Status.DELIVERED, Status.RETURNED, Status.CANCELLED, Status.EXPIRED}
)
ACTIVE_STATUSES: frozenset[Status] = frozenset(Status) - TERMINAL_STATUSES
