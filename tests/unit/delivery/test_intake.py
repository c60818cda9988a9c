from typing import Any

import pytest

from delivery.domain.intake import IntakeError, parse_new_certificate

TYPES = {"permit": ["business_name"]}
CARRIERS = ["sandbox"]


def body(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "type": "permit",
        "holder": {"name": "张三", "id_number": "330102199003070019"},
        "fields": {"business_name": "张三小吃店"},
        "delivery": {
            "method": "courier",
            "carrier": "sandbox",
            "recipient": {
                "name": "张三",
                "phone": "138 1234 1234",
                "province": "浙江省",
                "city": "宁波市",
                "county": "鄞州区",
                "address": "天童南路588号",
            },
        },
    }
    base.update(changes)
    return base


def parse(data: Any):  # type: ignore[no-untyped-def]
    return parse_new_certificate(data, type_fields=TYPES, carriers=CARRIERS)


def test_a_complete_request_is_accepted_and_normalized() -> None:
    new = parse(body())
    assert new.type_code == "permit"
    assert new.delivery.recipient is not None
    assert new.delivery.recipient.phone == "13812341234"


def test_hall_pickup_needs_no_recipient() -> None:
    new = parse(body(delivery={"method": "hall_pickup"}))
    assert new.delivery.recipient is None


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"type": "nope"}, "unknown_type", "type"),
        ({"holder": {"name": "张三"}}, "missing_field", "holder.id_number"),
        (
            {"holder": {"name": "张三", "id_number": "330102199003070018"}},
            "invalid_field",
            "holder.id_number",
        ),
        ({"fields": {}}, "missing_field", "fields.business_name"),
        ({"delivery": {"method": "courier", "carrier": "pigeon"}}, "unknown_carrier", "delivery.carrier"),
        ({"delivery": {"method": "drone"}}, "invalid_field", "delivery.method"),
        ({"delivery": {"method": "courier", "carrier": "sandbox"}}, "missing_field", "delivery.recipient"),
    ],
)
def test_bad_requests_name_the_field(changes: dict[str, Any], code: str, field: str) -> None:
    with pytest.raises(IntakeError) as info:
        parse(body(**changes))
    assert (info.value.code, info.value.field) == (code, field)
    assert info.value.status == 422


def test_bad_phone_is_rejected() -> None:
    data = body()
    data["delivery"]["recipient"]["phone"] = "12345"
    with pytest.raises(IntakeError, match="phone"):
        parse(data)


def test_non_object_body_is_a_400() -> None:
    with pytest.raises(IntakeError) as info:
        parse([1, 2])
    assert info.value.status == 400


def test_unified_social_credit_code_is_a_valid_holder_id() -> None:
    new = parse(body(holder={"name": "某某有限公司", "id_number": "91330106MA2CFX0X5H"}))
    assert new.holder_id_number == "91330106MA2CFX0X5H"
