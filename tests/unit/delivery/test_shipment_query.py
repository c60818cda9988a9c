from datetime import UTC, datetime, timedelta

import pytest

from couriers import Status
from delivery.domain.shipment_query import InvalidQuery, parse_shipment_query

CARRIERS = {"sandbox", "kuaidi100"}


def parse(**params: str):  # type: ignore[no-untyped-def]
    return parse_shipment_query(params, carriers=CARRIERS, default_stale_days=3)


def test_filters_are_parsed() -> None:
    q = parse(
        status="exception,delivery_failed",
        carrier="sandbox",
        created_from="2026-11-01",
        created_to="2026-11-28",
        updated_from="2026-11-27T08:00:00+08:00",
        problem="true",
        stale_days="2",
        page="3",
        per_page="20",
    )
    assert q.statuses == {Status.EXCEPTION, Status.DELIVERY_FAILED}
    assert q.carriers == {"sandbox"}
    assert q.created_from == datetime(2026, 11, 1, tzinfo=UTC)
    assert q.created_to == datetime(2026, 11, 29, tzinfo=UTC)  # the whole last day is included
    assert q.updated_from == datetime(2026, 11, 27, 0, tzinfo=UTC)
    assert q.problem is True
    assert q.stale_after == timedelta(days=2)
    assert (q.page, q.per_page, q.offset) == (3, 20, 40)


def test_defaults() -> None:
    q = parse()
    assert (q.statuses, q.carriers, q.problem, q.page, q.per_page) == (frozenset(), frozenset(), None, 1, 50)
    assert q.stale_after == timedelta(days=3)


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"status": "deliverd"}, "status"),
        ({"carrier": "pigeon"}, "carrier"),
        ({"created_from": "yesterday"}, "created_from"),
        ({"created_from": "2026-11-28", "created_to": "2026-11-01"}, "created_to"),
        ({"problem": "maybe"}, "problem"),
        ({"stale_days": "-1"}, "stale_days"),
        ({"stale_days": "nan"}, "stale_days"),
        ({"page": "0"}, "page"),
        ({"per_page": "1000"}, "per_page"),
        ({"per_page": "ten"}, "per_page"),
        ({"sort": "id"}, "sort"),
    ],
)
def test_bad_values_are_refused_by_name(params: dict[str, str], parameter: str) -> None:
    with pytest.raises(InvalidQuery) as raised:
        parse(**params)
    assert raised.value.parameter == parameter
    assert raised.value.message.startswith(parameter)
