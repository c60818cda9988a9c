"""The SM4 `|$4|` payload: EMS's published examples, byte for byte, and what opening a payload refuses."""

from __future__ import annotations

import base64

import pytest

from couriers.ems import payload

VECTORS = [
    (
        '{"language":"zh-CN","orderId":"QIAO-20200618-004"}',
        "TvaBgrhE46sft3nZlfe7xw==",
        "|$4|efB6PnjDpgHG4xfrvYlXonyBuMJoGTynkfasopHvbl2u3nmNeP+rznA3DyRwb/2GeZL7I3rL6HKD5+Tv3Uy6x8jIDISbYG8Bg14caH2flYE=",
    ),
    (
        '[{"wholeAddress":"ABC123"}]',
        "WjNoNmhXWE12SFZJdk0zWQ==",
        "|$4|slRLUixzb1DplJxnGKMG5tcXh0zH5Ry1qZAIemYxDc7VfSxow31WUmgLbzbJt996Ud/vpaVOMcwyqsLvQRXPaA==",
    ),
]
KEY = VECTORS[0][1]


@pytest.mark.parametrize(("plaintext", "key", "expected"), VECTORS)
def test_published_examples_reproduce_byte_for_byte(plaintext: str, key: str, expected: str) -> None:
    assert payload.encrypt(plaintext, key) == expected
    assert payload.decrypt(expected, key) == plaintext


def test_encoding_objects_serializes_them_as_the_examples_do() -> None:
    assert payload.encode({"language": "zh-CN", "orderId": "QIAO-20200618-004"}, KEY) == VECTORS[0][2]
    assert payload.encode([{"wholeAddress": "ABC123"}], VECTORS[1][1]) == VECTORS[1][2]


def test_json_is_compact_and_keeps_chinese_unescaped() -> None:
    assert payload.dumps({"name": "张三", "n": [1, 2]}) == '{"name":"张三","n":[1,2]}'


def test_round_trip_with_chinese() -> None:
    body = [{"receiver": {"name": "张三", "address": "建国路88号"}}]
    assert payload.decode(payload.encode(body, KEY), KEY) == body


@pytest.mark.parametrize(
    "token",
    [
        "efB6PnjDpgHG4xfrvYlXonyBuMJoGTynkfasopHvbl2u",  # no prefix
        "|$4|not base64!",
        "|$4|" + base64.b64encode(b"short").decode(),  # not whole blocks
        "|$4|",
    ],
)
def test_malformed_tokens_are_refused(token: str) -> None:
    with pytest.raises(payload.PayloadError):
        payload.decrypt(token, KEY)


def test_another_key_does_not_open_a_payload() -> None:
    sealed = payload.encode({"waybillNo": "1100000000001"}, VECTORS[1][1])
    with pytest.raises(payload.PayloadError):
        payload.decode(sealed, KEY)


def test_a_payload_without_the_key_suffix_is_refused() -> None:
    # Encrypted with the right key but without the signKey appended: not how EMS seals, so not genuine.
    other = payload.encrypt('{"a":1}', VECTORS[1][1])
    with pytest.raises(payload.PayloadError):
        payload.decrypt(other, KEY)


def test_a_flipped_block_is_refused() -> None:
    sealed = payload.encode({"waybillNo": "1100000000001", "opDesc": "已妥投"}, KEY)
    raw = bytearray(base64.b64decode(sealed[4:]))
    raw[0] ^= 0x01
    with pytest.raises(payload.PayloadError):
        payload.decode("|$4|" + base64.b64encode(bytes(raw)).decode(), KEY)


@pytest.mark.parametrize("key", ["", "not base64", base64.b64encode(b"fifteen bytes!!").decode()])
def test_unusable_keys_are_refused_without_echoing_them(key: str) -> None:
    with pytest.raises(payload.PayloadError) as caught:
        payload.decode_key(key)
    if key:
        assert key not in str(caught.value)
