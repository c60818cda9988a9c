"""`[couriers.sandbox]` validation: defaults, TOML and environment-string values, and named errors."""

from __future__ import annotations

from typing import Any

import pytest

from couriers.errors import ConfigurationError
from couriers.sandbox import SandboxConfig, SandboxCourier


def test_defaults() -> None:
    assert SandboxConfig.from_mapping({}) == SandboxConfig(
        time_scale=60.0, push=True, secret="sandbox-dev-secret", seed=0
    )


def test_toml_values() -> None:
    config = SandboxConfig.from_mapping({"time_scale": 3600, "push": False, "secret": "s3", "seed": 9})
    assert config == SandboxConfig(time_scale=3600.0, push=False, secret="s3", seed=9)


def test_environment_strings() -> None:
    config = SandboxConfig.from_mapping({"time_scale": "200000", "push": "off", "seed": "-3"})
    assert config == SandboxConfig(time_scale=200000.0, push=False, seed=-3)


@pytest.mark.parametrize(
    ("config", "named"),
    [
        ({"failure_rate": 0.1}, "failure_rate"),
        ({"time_scale": 0}, "time_scale"),
        ({"time_scale": -1.0}, "time_scale"),
        ({"time_scale": "fast"}, "time_scale"),
        ({"time_scale": float("inf")}, "time_scale"),
        ({"time_scale": True}, "time_scale"),
        ({"push": "maybe"}, "push"),
        ({"push": 1}, "push"),
        ({"seed": 1.5}, "seed"),
        ({"seed": True}, "seed"),
        ({"secret": ""}, "secret"),
        ({"secret": 42}, "secret"),
    ],
)
def test_bad_config_names_the_key(config: dict[str, Any], named: str) -> None:
    with pytest.raises(ConfigurationError, match=named) as info:
        SandboxConfig.from_mapping(config)
    assert info.value.carrier == "sandbox"


def test_secret_is_not_echoed_in_errors() -> None:
    with pytest.raises(ConfigurationError) as info:
        SandboxConfig.from_mapping({"secret": ""})
    assert "''" not in str(info.value)


def test_capabilities_follow_push_setting() -> None:
    assert SandboxCourier.from_config({}).capabilities.push is True
    off = SandboxCourier.from_config({"push": False})
    assert off.capabilities.push is False
    assert off.capabilities.cancel is True
    assert off.capabilities.track_batch_size == 50
    assert off.capabilities.rate_limit_per_second == 50
    assert SandboxCourier.capabilities.push is True  # the class default is untouched
    assert (SandboxCourier.code, SandboxCourier.name) == ("sandbox", "沙箱快递")
