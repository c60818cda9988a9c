"""SF's msgDigest: the published example byte for byte, and Java URLEncoder's rules where Python differs."""

from __future__ import annotations

from urllib.parse import quote_plus

import pytest

from couriers.sf_express.signing import java_url_encode, msg_digest, verify_digest

EXAMPLE_MSG = '{"language":"zh-CN","orderId":"QIAO-20200618-004"}'
EXAMPLE_TIMESTAMP = "12312334453453"
EXAMPLE_CHECK_WORD = "fjcg5PGKaNpPSHFAZ4QsCOkV71R3zVci"
EXAMPLE_DIGEST = "IIKJtuLVzoFTu4kHI8M8vA=="


def test_published_example_reproduces() -> None:
    assert msg_digest(EXAMPLE_MSG, EXAMPLE_TIMESTAMP, EXAMPLE_CHECK_WORD) == EXAMPLE_DIGEST


def test_timestamp_may_be_an_int() -> None:
    assert msg_digest(EXAMPLE_MSG, int(EXAMPLE_TIMESTAMP), EXAMPLE_CHECK_WORD) == EXAMPLE_DIGEST


def test_example_encoding_is_what_java_produces() -> None:
    assert java_url_encode(EXAMPLE_MSG) == (
        "%7B%22language%22%3A%22zh-CN%22%2C%22orderId%22%3A%22QIAO-20200618-004%22%7D"
    )


@pytest.mark.parametrize(
    ("text", "java"),
    [
        ("*", "*"),  # Java keeps '*', quote_plus escapes it
        ("~", "%7E"),  # Java escapes '~', quote_plus keeps it
        (" ", "+"),
        ("a.b-c_d", "a.b-c_d"),
        ("证照", "%E8%AF%81%E7%85%A7"),
        ("/?&=+", "%2F%3F%26%3D%2B"),
        ("\n", "%0A"),
    ],
)
def test_java_url_encoder_rules(text: str, java: str) -> None:
    assert java_url_encode(text) == java


def test_quote_plus_would_be_wrong_on_star_and_tilde() -> None:
    assert quote_plus("*~") != java_url_encode("*~")


def test_digest_changes_with_every_input() -> None:
    base = msg_digest(EXAMPLE_MSG, EXAMPLE_TIMESTAMP, EXAMPLE_CHECK_WORD)
    assert msg_digest(EXAMPLE_MSG + " ", EXAMPLE_TIMESTAMP, EXAMPLE_CHECK_WORD) != base
    assert msg_digest(EXAMPLE_MSG, "12312334453454", EXAMPLE_CHECK_WORD) != base
    assert msg_digest(EXAMPLE_MSG, EXAMPLE_TIMESTAMP, EXAMPLE_CHECK_WORD + "x") != base


def test_verify_digest() -> None:
    assert verify_digest(EXAMPLE_MSG, EXAMPLE_TIMESTAMP, EXAMPLE_CHECK_WORD, EXAMPLE_DIGEST)
    assert not verify_digest(EXAMPLE_MSG, EXAMPLE_TIMESTAMP, "wrong", EXAMPLE_DIGEST)
    assert not verify_digest(EXAMPLE_MSG, EXAMPLE_TIMESTAMP, EXAMPLE_CHECK_WORD, "")
    assert not verify_digest(EXAMPLE_MSG, EXAMPLE_TIMESTAMP, EXAMPLE_CHECK_WORD, "证照")
