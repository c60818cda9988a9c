"""What the contract kit needs to know about an adapter and its simulator."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self

from couriers.contract import Address, Courier, PickupRequest
from couriers.simulators.common import OutboundPush, Simulator

__all__ = ["HALL", "RECIPIENT", "ContractHarness", "OpenPush", "SealPush", "sample_request"]

HALL = Address(
    name="杭州市上城区行政服务中心",
    phone="057187654321",
    province="浙江省",
    city="杭州市",
    county="上城区",
    address="解放东路18号市民中心C座1楼",
)
RECIPIENT = Address(
    name="张三",
    phone="13812341234",
    province="北京市",
    city="北京市",
    county="朝阳区",
    address="建国路88号SOHO现代城2号楼1201",
)


def sample_request(
    order_id: str, *, recipient: Address = RECIPIENT, now: datetime | None = None
) -> PickupRequest:
    """A pickup at the hall in a two-hour window starting an hour from `now`."""
    start = (now or datetime.now(UTC)).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return PickupRequest(
        order_id=order_id,
        sender=HALL,
        recipient=recipient,
        window_start=start,
        window_end=start + timedelta(hours=2),
    )


#: `open_push(push)`: the innermost payload of a genuine push — the JSON text the carrier signs or encrypts.
OpenPush = Callable[[OutboundPush], str]
#: `seal_push(push, payload, credential)`: `push` re-made to carry `payload`, authentic the way the carrier
#: makes it (signature, encryption, secret path) — or, with `credential`, with that string standing where the
#: signature / secret / sealed payload goes.
SealPush = Callable[[OutboundPush, str, str | None], OutboundPush]


@dataclass
class ContractHarness:
    """An adapter wired to its running simulator.

    `build(overrides)` makes another instance of the adapter with config keys replaced — the kit uses it for
    bad credentials, an unreachable carrier and a second replica with no memory of the first one's bookings.
    `callback_url` is where pushes for this adapter must go (the kit's webhook receiver, plus any secret path
    segment the carrier needs). `tamper` turns a genuine push into one the adapter must refuse. `open_push`
    and `seal_push` let the kit send hostile payloads that pass authentication, so the parser behind it is
    tested too (without them the malformed-push test is skipped).

    Use it as an async context manager (`async with ContractHarness(...) as harness: yield harness`): leaving
    it closes the adapter and every one `another` built.
    """

    courier: Courier
    simulator: Simulator
    build: Callable[[Mapping[str, Any]], Courier]
    bad_credentials: Mapping[str, Any]
    unreachable: Mapping[str, Any]
    callback_url: str
    tamper: Callable[[OutboundPush], OutboundPush]
    open_push: OpenPush | None = None
    seal_push: SealPush | None = None
    #: Adapters built by `build`, closed by the kit after each test.
    built: list[Courier] = field(default_factory=list)

    def another(self, **overrides: Any) -> Courier:
        courier = self.build(overrides)
        self.built.append(courier)
        return courier

    async def close(self) -> None:
        """Close the adapter and every adapter `another` built."""
        for courier in [self.courier, *self.built]:
            await courier.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()
