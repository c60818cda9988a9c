"""The public tracking answer as a read model: built on every write, served from memory.

A citizen's query is the hottest path of the service. Rebuilding its JSON from the database on each request
costs about ten times a bare route, so each shipment's masked answer is rendered once when its timeline
changes and kept here, in a bounded LRU. Correctness across replicas comes from two bounds: an entry is
trusted for at most `ttl` seconds after it was loaded, and PostgreSQL NOTIFY drops it sooner
(`delivery.services.live`).
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from couriers import Status, TrackingEvent
from delivery.domain.masking import phone_tail
from delivery.storage.models import Shipment
from delivery.storage.shipments import shipment_state
from delivery.web.representations import iso, tracking_json
from scheduler import ShipmentState

__all__ = ["AnswerCache", "TrackingAnswer", "build_answer"]


@dataclass(frozen=True, slots=True)
class TrackingAnswer:
    """One shipment's public answer, ready to send, plus what deciding about a live refresh needs."""

    tracking_number: str
    carrier: str
    phone_tail: str
    state: ShipmentState
    #: Masked JSON, encoded once.
    body: bytes
    #: Monotonic time the answer was built; it is trusted for the cache's ttl after that.
    built_at: float

    @property
    def status(self) -> Status:
        return self.state.status

    @property
    def heard_at(self) -> datetime | None:
        """When the carrier last told us something: a query answered or a push received."""
        times = [t for t in (self.state.last_checked_at, self.state.last_push_at) if t is not None]
        return max(times) if times else None


def build_answer(
    shipment: Shipment, timeline: Sequence[TrackingEvent], *, clock: Callable[[], float] = time.monotonic
) -> TrackingAnswer:
    state = shipment_state(shipment)
    document = tracking_json(shipment, timeline)
    heard = [t for t in (shipment.last_checked_at, shipment.last_push_at) if t is not None]
    document["as_of"] = iso(max(heard)) if heard else None
    return TrackingAnswer(
        tracking_number=shipment.tracking_number or "",
        carrier=shipment.carrier,
        phone_tail=phone_tail(shipment.recipient_phone),
        state=state,
        body=json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode(),
        built_at=clock(),
    )


class AnswerCache:
    """LRU of answers by tracking number, at most `size` entries, each trusted for `ttl` seconds."""

    def __init__(self, size: int, ttl: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._size = max(size, 0)
        self._ttl = ttl
        self._clock = clock
        self._entries: OrderedDict[str, TrackingAnswer] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, tracking_number: str) -> TrackingAnswer | None:
        answer = self._entries.get(tracking_number)
        if answer is None:
            return None
        if self._clock() - answer.built_at > self._ttl:
            del self._entries[tracking_number]
            return None
        self._entries.move_to_end(tracking_number)
        return answer

    def put(self, answer: TrackingAnswer) -> None:
        if not self._size or not answer.tracking_number:
            return
        self._entries[answer.tracking_number] = answer
        self._entries.move_to_end(answer.tracking_number)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def drop(self, tracking_number: str) -> None:
        self._entries.pop(tracking_number, None)
