"""`[couriers.ems]` validation: unknown and missing keys, unusable values, secrets never shown."""

from __future__ import annotations

from typing import Any

import pytest

from couriers.ems import EMSConfig, EMSCourier
from couriers.ems.config import PRODUCTION_URL, RATE_LIMIT_PER_SECOND, SANDBOX_URL
from couriers.errors import ConfigurationError

GOOD = {"sender_no": "1100000000001", "authorization": "s3cr3t-auth", "sign_key": "TvaBgrhE46sft3nZlfe7xw=="}


def test_minimal_config() -> None:
    config = EMSConfig.from_mapping(GOOD)
    assert config.base_url == SANDBOX_URL, "like SF and Kuaidi100: the test endpoint unless told otherwise"
    assert SANDBOX_URL != PRODUCTION_URL
    assert config.transport.rate_per_second == RATE_LIMIT_PER_SECOND
    assert "s3cr3t" not in repr(config)
    assert GOOD["sign_key"] not in repr(config)


def test_transport_keys_are_accepted() -> None:
    config = EMSConfig.from_mapping(
        {
            **GOOD,
            "base_url": "http://127.0.0.1:8080/x",
            "timeout_seconds": "3",
            "attempts": 5,
            "rate_per_second": 2,
        }
    )
    assert (
        config.transport.timeout_seconds,
        config.transport.attempts,
        config.transport.rate_per_second,
    ) == (
        3.0,
        5,
        2.0,
    )


def test_unknown_keys_are_named() -> None:
    with pytest.raises(ConfigurationError, match="signkey"):
        EMSConfig.from_mapping({**GOOD, "signkey": "x"})


@pytest.mark.parametrize("key", ["sender_no", "authorization", "sign_key"])
def test_missing_required_key(key: str) -> None:
    config = {k: v for k, v in GOOD.items() if k != key}
    with pytest.raises(ConfigurationError, match=key):
        EMSConfig.from_mapping(config)


@pytest.mark.parametrize(
    "override",
    [
        {"sign_key": "not-base64!"},
        {"sign_key": "c2hvcnQ="},
        {"authorization": ""},
        {"sender_no": 12},
        {"base_url": "ftp://example"},
        {"base_url": "nothing"},
        {"timeout_seconds": "soon"},
        {"rate_per_second": 0},
    ],
)
def test_unusable_values(override: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError) as caught:
        EMSConfig.from_mapping({**GOOD, **override})
    message = str(caught.value)
    assert "s3cr3t" not in message
    assert GOOD["sign_key"] not in message
    if "sign_key" in override:
        assert override["sign_key"] not in message


def test_the_adapter_builds_from_config() -> None:
    courier = EMSCourier.from_config(GOOD)
    assert courier.config.sender_no == "1100000000001"
    assert courier.code == "ems"
    assert courier.capabilities.track_batch_size == 1
