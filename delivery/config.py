"""Service configuration: a TOML file plus `CERTPOST_<SECTION>_<KEY>` environment overrides.

The defaults *are* the embedded deployment (SQLite under ./data, the sandbox carrier, a development
signing key), so `certpost serve` with no file at all is a working service.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from copy import deepcopy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["DEFAULTS", "ConfigError", "Settings", "load_settings"]

DEFAULTS: dict[str, Any] = {
    "server": {
        "host": "127.0.0.1",
        "port": 8080,
        "public_url": "",
        "max_body_bytes": 1_048_576,
    },
    "database": {"url": ""},
    "storage": {"data_dir": "./data"},
    "hall": {
        "name": "示范市政务服务中心",
        "contact": "窗口值班",
        "phone": "0571-88880000",
        "province": "浙江省",
        "city": "杭州市",
        "county": "上城区",
        "address": "解放东路18号市民中心一楼寄递窗口",
        "pickup_window_hours": 2,
    },
    "issuer": {"name": "示范市行政审批局", "code": ""},
    "certificates": {"font_path": "", "templates_dir": ""},
    "signing": {
        "workers": 1,
        "key_algorithm": "ecdsa",
        "key_path": "",
        "cert_path": "",
        "pkcs12_path": "",
        "passphrase": "",
        "chain_paths": [],
        "root_path": "",
        "tsa_url": "",
        "tsa_root_path": "",
    },
    "tracking": {
        "poll_tick_seconds": 10,
        "poll_batch": 200,
        "lease_seconds": 120,
        "booking_timeout_seconds": 10,
        "poll_awaiting_pickup_seconds": 1800,
        "poll_moving_seconds": 7200,
        "poll_out_for_delivery_seconds": 1800,
        "poll_locker_seconds": 21600,
        "poll_problem_seconds": 3600,
        "push_slowdown": 4,
        "expire_days": 30,
        "retry_base_seconds": 30,
        "retry_max_seconds": 3600,
        "fresh_seconds": 60,
        "live_timeout_seconds": 2,
        "stale_days": 3,
        "cache_size": 20000,
        "wrong_tail_limit": 5,
        "wrong_tail_window_seconds": 900,
        "numbers_per_client": 30,
        "client_window_seconds": 3600,
        "client_ip_header": "",
        "stream_ping_seconds": 15,
    },
    "couriers": {},
    "log": {"level": "INFO"},
}

#: Carriers enabled when the operator configures none: the embedded default.
DEFAULT_COURIERS: dict[str, dict[str, Any]] = {"sandbox": {}}


class ConfigError(Exception):
    """A configuration problem an operator can fix; the message names the key or file."""


@dataclass(frozen=True)
class Settings:
    """Resolved configuration; sections stay plain mappings so carrier sections can be free-form."""

    raw: Mapping[str, Any] = field(repr=False)

    def section(self, name: str) -> Mapping[str, Any]:
        value = self.raw.get(name, {})
        return value if isinstance(value, Mapping) else {}

    @property
    def data_dir(self) -> Path:
        return Path(str(self.section("storage")["data_dir"])).expanduser().resolve()

    @property
    def database_url(self) -> str:
        url = str(self.section("database").get("url") or "")
        return url or f"sqlite://{self.data_dir / 'certpost.sqlite3'}"

    @property
    def host(self) -> str:
        return str(self.section("server")["host"])

    @property
    def port(self) -> int:
        return int(self.section("server")["port"])

    @property
    def public_url(self) -> str:
        url = str(self.section("server").get("public_url") or "")
        if not url:
            host = self.host if self.host not in ("0.0.0.0", "::") else "127.0.0.1"
            url = f"http://{host}:{self.port}"
        return url.rstrip("/")

    @property
    def couriers(self) -> dict[str, dict[str, Any]]:
        configured = {k: dict(v) for k, v in self.section("couriers").items() if isinstance(v, Mapping)}
        if not configured:
            return deepcopy(DEFAULT_COURIERS)
        return {code: cfg for code, cfg in configured.items() if cfg.pop("enabled", True)}

    def tracking(self, key: str) -> float:
        return float(self.section("tracking")[key])


def load_settings(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Defaults, then the TOML file (`path` or `CERTPOST_CONFIG`), then environment overrides."""
    env = os.environ if env is None else env
    merged = deepcopy(DEFAULTS)
    path = path or env.get("CERTPOST_CONFIG") or None
    if path:
        file = Path(path)
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError as e:
            raise ConfigError(f"config file {file} does not exist") from e
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"config file {file} is not valid TOML: {e}") from e
        _merge(merged, data, str(file))
    _apply_env(merged, env)
    return Settings(raw=merged)


def _merge(into: dict[str, Any], data: Mapping[str, Any], origin: str, prefix: str = "") -> None:
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        current = into.get(key)
        if isinstance(value, Mapping):
            if current is not None and not isinstance(current, dict):
                raise ConfigError(f"{origin}: {dotted} must be a value, not a table")
            _merge(into.setdefault(key, {}), value, origin, dotted + ".")
        else:
            if isinstance(current, dict):
                raise ConfigError(f"{origin}: {dotted} must be a table")
            into[key] = value


def _apply_env(into: dict[str, Any], env: Mapping[str, str]) -> None:
    """`CERTPOST_SERVER_PORT=9000` sets server.port; `CERTPOST_COURIERS_SANDBOX_TIME_SCALE` a carrier key.

    Names are matched against the known tree, longest key first, so underscores inside key names
    (`time_scale`) and carrier codes (`sf_express`) resolve to the right place.
    """
    for name, text in env.items():
        if not name.startswith("CERTPOST_") or name == "CERTPOST_CONFIG" or name.startswith("CERTPOST_TEST_"):
            continue
        parts = name[len("CERTPOST_") :].lower().split("_")
        if parts[0] == "couriers" and len(parts) >= 3:
            code, key = _split_carrier(parts[1:], into.setdefault("couriers", {}))
            section = into["couriers"].setdefault(code, {})
            section[key] = _coerce(text, section.get(key), name)
            continue
        node: dict[str, Any] = into
        for i in range(len(parts) - 1, 0, -1):
            section_name = "_".join(parts[:i])
            if isinstance(into.get(section_name), dict):
                node, parts = into[section_name], parts[i:]
                break
        else:
            raise ConfigError(f"{name}: no configuration section matches")
        key = "_".join(parts)
        node[key] = _coerce(text, node.get(key), name)


def _split_carrier(parts: list[str], couriers: Mapping[str, Any]) -> tuple[str, str]:
    from couriers.registry import available

    known = set(couriers) | set(available())
    for i in range(len(parts) - 1, 0, -1):
        code = "_".join(parts[:i])
        if code in known:
            return code, "_".join(parts[i:])
    return parts[0], "_".join(parts[1:])


def _coerce(text: str, current: Any, origin: str) -> Any:
    """Environment values are strings; give them the type of the default they replace."""
    if isinstance(current, bool) or text.lower() in ("true", "false"):
        if text.lower() in ("1", "true", "yes", "on"):
            return True
        if text.lower() in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{origin} must be true or false, got {text!r}")
    if isinstance(current, int) and not isinstance(current, bool):
        try:
            return int(text)
        except ValueError as e:
            raise ConfigError(f"{origin} must be an integer, got {text!r}") from e
    if isinstance(current, float):
        try:
            return float(text)
        except ValueError as e:
            raise ConfigError(f"{origin} must be a number, got {text!r}") from e
    if current is None:
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text
