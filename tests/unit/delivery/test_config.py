from pathlib import Path

import pytest

from delivery.config import ConfigError, load_settings


def test_no_config_is_the_embedded_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(None, env={})
    assert settings.data_dir == tmp_path / "data"
    assert settings.database_url == f"sqlite://{tmp_path / 'data' / 'certpost.sqlite3'}"
    assert settings.couriers == {"sandbox": {}}
    assert settings.public_url == "http://127.0.0.1:8080"


def test_file_then_environment(tmp_path: Path) -> None:
    file = tmp_path / "c.toml"
    file.write_text("[server]\nport = 9001\n[couriers.sandbox]\ntime_scale = 10.0\n", encoding="utf-8")
    env = {
        "CERTPOST_SERVER_PUBLIC_URL": "https://certpost.example.gov.cn/",
        "CERTPOST_COURIERS_SANDBOX_TIME_SCALE": "500",
        "CERTPOST_COURIERS_SANDBOX_PUSH": "false",
        "CERTPOST_TRACKING_EXPIRE_DAYS": "7",
    }
    settings = load_settings(file, env=env)
    assert settings.port == 9001
    assert settings.public_url == "https://certpost.example.gov.cn"
    assert settings.couriers["sandbox"] == {"time_scale": 500.0, "push": False}
    assert settings.tracking("expire_days") == 7


def test_config_from_environment_variable(tmp_path: Path) -> None:
    file = tmp_path / "c.toml"
    file.write_text('[storage]\ndata_dir = "/srv/certpost"\n', encoding="utf-8")
    assert load_settings(None, env={"CERTPOST_CONFIG": str(file)}).data_dir == Path("/srv/certpost")


def test_disabled_carrier_is_not_configured(tmp_path: Path) -> None:
    file = tmp_path / "c.toml"
    file.write_text("[couriers.sandbox]\nenabled = false\n[couriers.other]\nx = 1\n", encoding="utf-8")
    assert set(load_settings(file, env={}).couriers) == {"other"}


@pytest.mark.parametrize(
    ("text", "env", "message"),
    [
        ("[server\n", {}, "not valid TOML"),
        ("", {"CERTPOST_SERVER_PORT": "eighty"}, "CERTPOST_SERVER_PORT must be an integer"),
        ("server = 1\n", {}, "server must be a table"),
    ],
)
def test_errors_name_the_problem(tmp_path: Path, text: str, env: dict[str, str], message: str) -> None:
    file = tmp_path / "c.toml"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_settings(file, env=env)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml", env={})
