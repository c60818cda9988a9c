from datetime import UTC, datetime, timedelta

from couriers import Status
from scheduler import PollIntervals, ShipmentState, query_allowed

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
KUAIDI100 = PollIntervals(carrier_minimum=timedelta(minutes=30))


def checked(ago: timedelta | None, status: Status = Status.IN_TRANSIT) -> ShipmentState:
    return ShipmentState(1, status, NOW, None, None, 0, NOW - ago if ago is not None else None)


def test_live_query_waits_for_the_carrier_minimum() -> None:
    assert not query_allowed(checked(timedelta(minutes=29)), NOW, KUAIDI100)
    assert query_allowed(checked(timedelta(minutes=30)), NOW, KUAIDI100)
    assert query_allowed(checked(None), NOW, KUAIDI100)
    assert query_allowed(checked(timedelta(seconds=1)), NOW, PollIntervals())


def test_terminal_shipments_are_never_queried() -> None:
    assert not query_allowed(checked(None, Status.DELIVERED), NOW, PollIntervals())
    assert not query_allowed(checked(timedelta(days=3), Status.EXPIRED), NOW, PollIntervals())
