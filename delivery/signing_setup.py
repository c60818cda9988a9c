"""Which signing key the service uses: the development key set, or the operator's PEM or PKCS#12 files.

One place decides, so `serve`, `doctor` and `verify` always agree on the key and on the roots a signature
must chain to.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from certificates import KeyMaterial, KeyMaterialError, ensure_dev_keys, load_pem, load_pkcs12
from delivery.config import Settings

__all__ = ["SigningSetup", "signing_setup"]


@dataclass(frozen=True)
class SigningSetup:
    """The key material, where it came from (``development``, ``PEM``, ``PKCS#12``) and the trust roots."""

    material: KeyMaterial
    source: str
    tsa_url: str | None
    trust_roots: tuple[Path, ...]


def _path(section: Mapping[str, Any], key: str) -> Path | None:
    value = str(section.get(key) or "").strip()
    return Path(value).expanduser() if value else None


def _paths(section: Mapping[str, Any], key: str) -> tuple[Path, ...]:
    value = section.get(key) or []
    items = value.split(",") if isinstance(value, str) else list(value)
    return tuple(Path(str(item).strip()).expanduser() for item in items if str(item).strip())


def signing_setup(settings: Settings, issuer_name: str) -> SigningSetup:
    """Resolve ``[signing]``; a half-configured key is a :class:`KeyMaterialError` naming the keys to set."""
    section = settings.section("signing")
    key, cert, p12 = _path(section, "key_path"), _path(section, "cert_path"), _path(section, "pkcs12_path")
    chain, root = _paths(section, "chain_paths"), _path(section, "root_path")
    passphrase = str(section.get("passphrase") or "").encode() or None
    if p12 is not None and (key is not None or cert is not None):
        raise KeyMaterialError("set either signing.pkcs12_path or signing.key_path/cert_path, not both")
    if p12 is not None:
        material, source = load_pkcs12(p12, passphrase, chain, root), "PKCS#12"
    elif key is not None or cert is not None:
        if key is None or cert is None:
            raise KeyMaterialError("signing.key_path and signing.cert_path must be set together")
        material, source = load_pem(key, cert, chain, root, passphrase), "PEM"
    else:
        algorithm = str(section.get("key_algorithm") or "ecdsa")
        material = ensure_dev_keys(settings.data_dir / "keys", issuer_name, algorithm)  # type: ignore[arg-type]
        source = "development"
    tsa_root = _path(section, "tsa_root_path")
    roots = material.trust_roots + ((tsa_root,) if tsa_root else ())
    tsa_url = str(section.get("tsa_url") or "").strip() or None
    return SigningSetup(material, source, tsa_url, roots)
