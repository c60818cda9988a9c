"""`[couriers.kuaidi100]` validation: unknown and missing keys, bad values, transport keys, no secrets."""

from __future__ import annotations

from typing import Any

import pytest

from couriers.errors import ConfigurationError
from couriers.kuaidi100 import Kuaidi100Config, Kuaidi100Courier
from couriers.kuaidi100.config import (
    DEFAULT_BORDER_URL,
    PRODUCTION_BORDER_URL,
    PRODUCTION_POLL_URL,
    PRODUCTION_QUERY_URL,
)

SECRETS = {"customer": "CUSTOMER01", "key": "KEY01", "secret": "SECRET-VALUE-01", "salt": "SALT01"}
URLS = {"query_url": PRODUCTION_QUERY_URL, "poll_url": PRODUCTION_POLL_URL}
MINIMAL = {**SECRETS, **URLS}


def config(**extra: Any) -> dict[str, Any]:
    return {**MINIMAL, **extra}


def test_minimal_config_books_against_the_mock_border_api_and_tracks_zto() -> None:
    cfg = Kuaidi100Config.from_mapping(MINIMAL)
    assert (cfg.query_url, cfg.poll_url, cfg.border_url) == (
        PRODUCTION_QUERY_URL,
        PRODUCTION_POLL_URL,
        DEFAULT_BORDER_URL,
    )
    assert DEFAULT_BORDER_URL == "https://api.kuaidi100.com/apiMock/border"
    assert DEFAULT_BORDER_URL != PRODUCTION_BORDER_URL
    assert cfg.com == "zhongtong"
    assert cfg.callback_url == ""
    assert cfg.transport.rate_per_second == 10


def test_all_keys_are_read() -> None:
    cfg = Kuaidi100Config.from_mapping(
        config(
            com="yuantong",
            query_url="http://127.0.0.1:1/q",
            poll_url="http://127.0.0.1:1/p",
            border_url="http://127.0.0.1:1/b",
            callback_url="https://certpost.example/webhooks/kuaidi100/",
            timeout_seconds="3",
            attempts=2,
            rate_per_second=5,
        )
    )
    assert cfg.com == "yuantong"
    assert cfg.border_url == "http://127.0.0.1:1/b"
    assert cfg.callback_url == "https://certpost.example/webhooks/kuaidi100"
    assert (cfg.transport.timeout_seconds, cfg.transport.attempts, cfg.transport.rate_per_second) == (3, 2, 5)


def test_unknown_keys_are_named() -> None:
    with pytest.raises(ConfigurationError, match="tokne") as e:
        Kuaidi100Config.from_mapping(config(tokne="x"))
    assert "customer" in str(e.value)  # lists the known keys


@pytest.mark.parametrize("key", sorted(URLS))
def test_urls_without_a_sandbox_must_be_configured(key: str) -> None:
    partial = {k: v for k, v in MINIMAL.items() if k != key}
    with pytest.raises(ConfigurationError, match=f"couriers.kuaidi100.{key} is required") as e:
        Kuaidi100Config.from_mapping(partial)
    assert URLS[key] in str(e.value), "the error says what the production URL is"


@pytest.mark.parametrize("key", sorted(SECRETS))
def test_missing_required_key(key: str) -> None:
    partial = {k: v for k, v in MINIMAL.items() if k != key}
    with pytest.raises(ConfigurationError, match=key):
        Kuaidi100Config.from_mapping(partial)


@pytest.mark.parametrize(
    "bad",
    [{"key": ""}, {"secret": 5}, {"salt": "  "}, {"com": "ZhongTong"}, {"com": "中通"},
     {"query_url": "ftp://x/y"}, {"border_url": "not a url"}, {"callback_url": "/webhooks/kuaidi100"},
     {"attempts": "many"}],
)  # fmt: skip
def test_bad_values(bad: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        Kuaidi100Config.from_mapping(config(**bad))


def test_secrets_never_appear_in_errors_or_repr() -> None:
    with pytest.raises(ConfigurationError) as e:
        Kuaidi100Config.from_mapping(config(secret=["SECRET-VALUE-01"], unknown="1"))
    assert "SECRET-VALUE-01" not in str(e.value)
    cfg = Kuaidi100Config.from_mapping(MINIMAL)
    assert not any(v in repr(cfg) for v in SECRETS.values())


async def test_from_config_builds_the_adapter() -> None:
    courier = Kuaidi100Courier.from_config(config(callback_url="https://x.example/webhooks/kuaidi100"))
    try:
        assert courier.config.callback_url.endswith("/kuaidi100")
        assert courier.capabilities.track_batch_size == 1
    finally:
        await courier.close()
