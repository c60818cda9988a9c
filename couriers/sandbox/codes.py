"""The sandbox carrier's raw event codes and the one table mapping them to normalized statuses.

Real carriers send their own codes (SF opCode 50, Kuaidi100 state 3 …); the sandbox has its own small set so
the service exercises the same "store the raw code, derive the status" path. Keep every code in
`STATUS_BY_CODE`: the timeline, `track` and `parse_push` all go through it, and the tests check it
code by code.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from couriers.status import Status

__all__ = [
    "ARRIVED",
    "BOOKED",
    "CANCELLED",
    "DEPARTED",
    "EXCEPTION",
    "FAILED_ATTEMPT",
    "IN_LOCKER",
    "OUT_FOR_DELIVERY",
    "PICKED_UP",
    "RESOLVED",
    "SIGNED",
    "STATUS_BY_CODE",
    "status_for",
]

BOOKED = "BOOKED"  # order accepted, waiting for the courier (下单)
PICKED_UP = "PICKED_UP"  # collected at the hall (揽收)
ARRIVED = "ARRIVED"  # arrived at a sort centre (到达)
DEPARTED = "DEPARTED"  # left a sort centre (发出)
EXCEPTION = "EXCEPTION"  # problem reported (疑难)
RESOLVED = "RESOLVED"  # problem cleared, moving again
OUT_FOR_DELIVERY = "OUT_FOR_DELIVERY"  # with the delivering courier (派件)
FAILED_ATTEMPT = "FAILED_ATTEMPT"  # attempt failed, will retry (派送失败)
IN_LOCKER = "IN_LOCKER"  # waiting at a station / locker (驿站)
SIGNED = "SIGNED"  # signed for (签收)
CANCELLED = "CANCELLED"  # booking cancelled before pickup (取消)

STATUS_BY_CODE: Mapping[str, Status] = MappingProxyType(
    {
        BOOKED: Status.INFO_RECEIVED,
        PICKED_UP: Status.PICKED_UP,
        ARRIVED: Status.IN_TRANSIT,
        DEPARTED: Status.IN_TRANSIT,
        EXCEPTION: Status.EXCEPTION,
        RESOLVED: Status.IN_TRANSIT,
        OUT_FOR_DELIVERY: Status.OUT_FOR_DELIVERY,
        FAILED_ATTEMPT: Status.DELIVERY_FAILED,
        IN_LOCKER: Status.AVAILABLE_FOR_PICKUP,
        SIGNED: Status.DELIVERED,
        CANCELLED: Status.CANCELLED,
    }
)


def status_for(code: str) -> Status:
    """Normalized status of a sandbox raw code; `KeyError` for a code the sandbox never sends."""
    return STATUS_BY_CODE[code]
