"""Pure rules behind verification, revocation requests, batch ids and CSV rows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from certificates import VerificationResult, load_types
from delivery.domain.batch import parse_ids
from delivery.domain.csv_rows import check_header, columns_for, row_to_body
from delivery.domain.intake import IntakeError
from delivery.domain.revocation import parse_reason
from delivery.domain.verdict import Record, judge

GOOD = VerificationResult(True, True, True, True, datetime(2026, 1, 1, tzinfo=UTC), "某局", "1.2.3", [])
RECORD = Record("张三丰", "某局", "食品经营许可证", datetime(2026, 1, 1, tzinfo=UTC))


def test_genuine_needs_record_and_no_revocation() -> None:
    assert judge(GOOD, RECORD).genuine
    assert judge(GOOD, RECORD).holder == "张**"
    unknown = judge(GOOD, None)
    assert not unknown.genuine
    assert "no record" in unknown.problems[0]
    revoked = judge(GOOD, Record("张三", "某局", "x", None, datetime(2026, 2, 1, tzinfo=UTC), "注销"))
    assert not revoked.genuine
    assert revoked.as_json()["revocation"]["reason"] == "注销"


def test_broken_signature_is_never_genuine_even_when_known() -> None:
    broken = VerificationResult(True, False, True, True, None, "某局", "1.2.3", ["changed"])
    assert not judge(broken, RECORD).genuine


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": None}, {"reason": 3}, {"reason": "x" * 501}])
def test_reason_is_required_text(body: dict) -> None:
    with pytest.raises(IntakeError):
        parse_reason(body)


def test_reason_is_stripped() -> None:
    assert parse_reason({"reason": "  注销 "}) == "注销"


def test_ids_are_bounded_positive_and_deduplicated() -> None:
    assert parse_ids({"ids": [3, 1, 3]}, 5) == [3, 1]
    for body in ([1], {"ids": []}, {"ids": [1, 2, 3]}, {"ids": [1.0]}, {"ids": [-1]}, {"ids": [False]}):
        with pytest.raises(IntakeError):
            parse_ids(body, 2)


def test_csv_header_and_row() -> None:
    kind = load_types()["approval_notice"]
    assert check_header(columns_for(kind), kind) == []
    problems = check_header(["holder_name", "holder_nmae", "holder_name"], kind)
    assert "unknown column 'holder_nmae'" in problems
    assert "missing column 'holder_id_number'" in problems
    assert "column 'holder_name' appears twice" in problems
    body = row_to_body(
        {"holder_name": " 李华 ", "matter": "卫生许可", "delivery_method": "hall_pickup"}, kind
    )
    assert body["holder"]["name"] == "李华"
    assert body["fields"] == {"matter": "卫生许可"}
    assert body["delivery"] == {"method": "hall_pickup"}
    assert row_to_body({}, kind)["delivery"] is None
