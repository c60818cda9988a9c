"""Reading a `[couriers.<code>]` section: messages name the full key and the value, never a secret."""

from __future__ import annotations

from typing import Any

import pytest

from couriers.config_values import Section
from couriers.errors import ConfigurationError


def section(**config: Any) -> Section:
    return Section("mypost", config)


def test_unknown_and_missing_keys_are_listed() -> None:
    with pytest.raises(
        ConfigurationError, match=r"couriers.mypost: unknown key\(s\) 'tokne' \(known: key, url\)"
    ):
        section(tokne="x").check_keys({"key", "url"})
    with pytest.raises(ConfigurationError, match=r"missing required key\(s\) key"):
        section(url="x").check_keys({"key", "url"}, required=("key",))


def test_text() -> None:
    assert section(name="  hall ").text("name") == "hall"
    assert section().text("name", "default") == "default"
    with pytest.raises(ConfigurationError, match=r"couriers\.mypost\.name must be a non-empty string, got 5"):
        section(name=5).text("name")


@pytest.mark.parametrize("value", ["", "   ", ["hunter2"], {"key": "hunter2"}, 42])
def test_secrets_are_never_echoed(value: object) -> None:
    with pytest.raises(ConfigurationError) as info:
        section(key=value).text("key", secret=True)
    assert "hunter2" not in str(info.value)
    assert "couriers.mypost.key" in str(info.value)
    assert info.value.carrier == "mypost"


def test_url() -> None:
    assert section(url="https://x.example/api").url("url") == "https://x.example/api"
    assert section().url("url", "https://sandbox.example") == "https://sandbox.example"
    with pytest.raises(
        ConfigurationError, match=r"couriers\.mypost\.url is required: set it to the production URL"
    ):
        section().url("url", missing="set it to the production URL")
    with pytest.raises(ConfigurationError, match="must be an http\\(s\\) URL, got 'ftp://x'"):
        section(url="ftp://x").url("url")


def test_numbers_accept_toml_and_environment_strings() -> None:
    s = section(rate="2.5", tries="3", scale=7, on="off")
    assert s.positive_number("rate", 1) == 2.5
    assert s.whole_number("tries", 1, minimum=1) == 3
    assert s.positive_number("scale", 1) == 7.0
    assert s.flag("on", True) is False
    assert s.positive_number("absent", 4) == 4.0


def test_bare_key_names_without_a_carrier() -> None:
    with pytest.raises(ConfigurationError, match=r"^attempts must be a whole number, got 'x'$"):
        Section("", {"attempts": "x"}).whole_number("attempts", 1)
