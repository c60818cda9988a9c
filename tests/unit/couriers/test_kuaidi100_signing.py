"""Kuaidi100 signatures reproduce, byte for byte, digests computed independently (coreutils md5sum)."""

from __future__ import annotations

from couriers.kuaidi100.signing import border_sign, encode_param, push_sign, query_sign, verify_push

QUERY_PARAM = '{"com":"yuantong","num":"YT9693083639795","resultv2":"1"}'
PUSH_PARAM = '{"status":"polling","lastResult":{"nu":"78001","data":[{"context":"已签收"}]}}'
CANCEL_PARAM = '{"taskId":"9FC293CA417E431F33046E64F4C4EC20","orderId":"20066771","cancelMsg":"证照寄递取消"}'


def test_query_sign_is_upper_md5_of_param_key_customer() -> None:
    sign = query_sign(QUERY_PARAM, "Kd100KeyAbc4", "K100CUSTOMER0001")
    assert sign == "99DF3A3406EA66F295EC47CCDDD0C6AA"


def test_push_sign_is_upper_md5_of_param_salt_over_utf8() -> None:
    assert push_sign(PUSH_PARAM, "salt-123") == "1ECCF8D7BA9BF41B3AB49725B55E4054"


def test_border_sign_is_upper_md5_of_param_t_key_secret() -> None:
    sign = border_sign(CANCEL_PARAM, "1576123932000", "Kd100KeyAbc4", "sec-ret")
    assert sign == "CC8516DA906B41C4C16EDF4C330CE309"


def test_encode_param_is_compact_and_keeps_chinese() -> None:
    param = {"taskId": "9FC293CA417E431F33046E64F4C4EC20", "orderId": "20066771", "cancelMsg": "证照寄递取消"}
    assert encode_param(param) == CANCEL_PARAM


def test_verify_push_accepts_the_sign_in_any_case_and_refuses_others() -> None:
    good = push_sign(PUSH_PARAM, "salt-123")
    assert verify_push(PUSH_PARAM, "salt-123", good)
    assert verify_push(PUSH_PARAM, "salt-123", good.lower())
    assert not verify_push(PUSH_PARAM, "other-salt", good)
    assert not verify_push(PUSH_PARAM + " ", "salt-123", good)
    assert not verify_push(PUSH_PARAM, "salt-123", None)
    assert not verify_push(PUSH_PARAM, "salt-123", "")
