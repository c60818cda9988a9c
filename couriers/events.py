"""A carrier event after normalization; the raw code and text travel with it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from couriers.status import Status

__all__ = ["TrackingEvent"]


@dataclass(frozen=True, slots=True)
class TrackingEvent:
    """One scan or status report. `time` is the carrier's event time (timezone-aware, UTC)."""

    tracking_number: str
    time: datetime
    status: Status
    raw_code: str
    description: str
    location: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        """Identity of the event within its shipment (design.md): carrier time, raw code, description."""
        return (self.time.isoformat(), self.raw_code, self.description)
