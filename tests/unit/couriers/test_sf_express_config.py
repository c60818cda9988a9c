"""`[couriers.sf_express]` validation: required and unknown keys named, secrets never shown."""

from __future__ import annotations

from typing import Any

import pytest

from couriers.errors import ConfigurationError
from couriers.sf_express import SFExpressConfig, SFExpressCourier
from couriers.sf_express.config import SANDBOX_URL

GOOD: dict[str, Any] = {
    "partner_id": "PARTNER01",
    "check_word": "very-secret-check-word",
    "webhook_secret": "push-secret-0123456789",
}


def test_minimal_config_uses_the_sandbox() -> None:
    config = SFExpressConfig.from_mapping(GOOD)
    assert config.base_url == SANDBOX_URL
    assert config.monthly_card == ""
    assert config.transport == {}


def test_full_config() -> None:
    config = SFExpressConfig.from_mapping(
        {
            **GOOD,
            "base_url": "http://127.0.0.1:9/std/service",
            "monthly_card": 7551234567,
            "timeout_seconds": "5",
            "attempts": 2,
        }
    )
    assert config.base_url == "http://127.0.0.1:9/std/service"
    assert config.monthly_card == "7551234567"
    assert config.transport == {"timeout_seconds": "5", "attempts": 2}


def test_transport_keys_reach_the_policy() -> None:
    courier = SFExpressCourier.from_config({**GOOD, "timeout_seconds": "5", "attempts": 2})
    assert courier._transport.policy.timeout_seconds == 5.0
    assert courier._transport.policy.attempts == 2
    assert courier._transport.policy.rate_per_second == 30.0


def test_bad_transport_value_is_a_configuration_error() -> None:
    with pytest.raises(
        ConfigurationError,
        match=r"couriers\.sf_express\.timeout_seconds must be a positive number, got 'fast'",
    ):
        SFExpressCourier.from_config({**GOOD, "timeout_seconds": "fast"})


def test_unknown_keys_are_named() -> None:
    with pytest.raises(ConfigurationError, match="'checkword'") as info:
        SFExpressConfig.from_mapping({**GOOD, "checkword": "x"})
    assert info.value.carrier == "sf_express"


@pytest.mark.parametrize("key", ["partner_id", "check_word", "webhook_secret"])
def test_missing_required_keys_are_named(key: str) -> None:
    config = {k: v for k, v in GOOD.items() if k != key}
    with pytest.raises(ConfigurationError, match=key):
        SFExpressConfig.from_mapping(config)


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ({"partner_id": ""}, "partner_id"),
        ({"check_word": 42}, "check_word"),
        ({"webhook_secret": "short"}, "webhook_secret"),
        ({"webhook_secret": "has/slash/in/the/secret"}, "webhook_secret"),
        ({"base_url": "ftp://example.com"}, "base_url"),
        ({"base_url": "not a url"}, "base_url"),
        ({"monthly_card": "card-abc"}, "monthly_card"),
        ({"monthly_card": True}, "monthly_card"),
    ],
)
def test_bad_values_are_named(override: dict[str, Any], named: str) -> None:
    with pytest.raises(ConfigurationError, match=named):
        SFExpressConfig.from_mapping({**GOOD, **override})


def test_secrets_never_show() -> None:
    config = SFExpressConfig.from_mapping(GOOD)
    assert GOOD["check_word"] not in repr(config)
    assert GOOD["webhook_secret"] not in repr(config)
    with pytest.raises(ConfigurationError) as info:
        SFExpressConfig.from_mapping({**GOOD, "webhook_secret": "bad secret with spaces"})
    assert "bad secret" not in str(info.value)


def test_identity_and_capabilities() -> None:
    caps = SFExpressCourier.capabilities
    assert (SFExpressCourier.code, SFExpressCourier.name) == ("sf_express", "顺丰速运")
    assert caps.push
    assert caps.cancel
    assert caps.track_batch_size == 10
    assert caps.rate_limit_per_second == 30
