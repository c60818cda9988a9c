"""Development keys are created once, kept private, reused, and chain to their root; PEM/PKCS#12 loading."""

from __future__ import annotations

import pickle
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from certificates.errors import KeyMaterialError
from certificates.keys import KeyMaterial, ensure_dev_keys, load_pem, load_pkcs12
from certificates.signing import load_signer

ISSUER = "杭州市西湖区行政审批局"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def private_files(directory: Path) -> list[Path]:
    return [p for p in directory.iterdir() if p.name.endswith(".key.pem")]


def test_first_call_creates_private_keys_readable_by_owner_only(tmp_path: Path) -> None:
    material = ensure_dev_keys(tmp_path, ISSUER)
    keys = private_files(tmp_path)
    assert material.key_path in keys
    assert len(keys) == 2  # signing key and root key
    for key in keys:
        assert mode(key) == 0o600
    assert material.cert_path is not None
    assert material.root_path is not None
    assert mode(material.cert_path) & stat.S_IRUSR


def test_later_calls_reuse_the_files(tmp_path: Path) -> None:
    first = ensure_dev_keys(tmp_path, ISSUER)
    assert first.cert_path is not None
    assert first.root_path is not None
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    second = ensure_dev_keys(tmp_path, ISSUER)
    assert second == first
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_signing_certificate_chains_to_root_and_allows_signing(tmp_path: Path) -> None:
    material = ensure_dev_keys(tmp_path, ISSUER)
    assert material.cert_path is not None
    assert material.root_path is not None
    leaf, root = cert(material.cert_path), cert(material.root_path)
    leaf.verify_directly_issued_by(root)
    assert leaf.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == ISSUER
    usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature
    assert usage.content_commitment
    assert not leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    key = serialization.load_pem_private_key(material.key_path.read_bytes(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    assert key.curve.name == "secp256r1"


def test_rsa_option_makes_rsa_3072_keys(tmp_path: Path) -> None:
    material = ensure_dev_keys(tmp_path, ISSUER, algorithm="rsa")
    key = serialization.load_pem_private_key(material.key_path.read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    assert key.key_size == 3072


def test_renamed_hall_gets_a_new_leaf_under_the_same_root(tmp_path: Path) -> None:
    first = ensure_dev_keys(tmp_path, ISSUER)
    assert first.root_path is not None
    assert first.cert_path is not None
    root_before = first.root_path.read_bytes()
    second = ensure_dev_keys(tmp_path, "杭州市上城区行政审批局")
    assert second.root_path is not None
    assert second.cert_path is not None
    assert second.root_path.read_bytes() == root_before
    leaf = cert(second.cert_path)
    assert leaf.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == "杭州市上城区行政审批局"
    leaf.verify_directly_issued_by(cert(second.root_path))
    assert mode(second.key_path) == 0o600


def test_key_material_is_picklable(tmp_path: Path) -> None:
    material = ensure_dev_keys(tmp_path, ISSUER)
    assert pickle.loads(pickle.dumps(material)) == material
    assert material.trust_roots == (material.root_path,)


def test_empty_issuer_is_refused(tmp_path: Path) -> None:
    with pytest.raises(KeyMaterialError):
        ensure_dev_keys(tmp_path, " ")


def test_load_pem_checks_the_pair(tmp_path: Path) -> None:
    a = ensure_dev_keys(tmp_path / "a", ISSUER)
    b = ensure_dev_keys(tmp_path / "b", ISSUER)
    assert a.cert_path is not None
    assert b.cert_path is not None
    loaded = load_pem(a.key_path, a.cert_path, root_path=a.root_path)
    assert loaded.kind == "pem"
    assert load_signer(loaded) is not None
    with pytest.raises(KeyMaterialError, match="does not belong"):
        load_pem(a.key_path, b.cert_path)
    with pytest.raises(KeyMaterialError):
        load_pem(tmp_path / "none.pem", a.cert_path)


def make_pkcs12(material: KeyMaterial, path: Path, passphrase: bytes) -> Path:
    assert material.cert_path is not None
    key = serialization.load_pem_private_key(material.key_path.read_bytes(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    data = pkcs12.serialize_key_and_certificates(
        b"signer", key, cert(material.cert_path), None, serialization.BestAvailableEncryption(passphrase)
    )
    path.write_bytes(data)
    return path


def test_load_pkcs12_opens_the_archive(tmp_path: Path) -> None:
    dev = ensure_dev_keys(tmp_path / "dev", ISSUER)
    archive = make_pkcs12(dev, tmp_path / "signer.p12", b"s3cret")
    material = load_pkcs12(archive, b"s3cret", root_path=dev.root_path)
    assert material.kind == "pkcs12"
    assert material.cert_path is None
    signer = load_signer(material)
    assert signer.signing_cert is not None
    with pytest.raises(KeyMaterialError, match="PKCS#12"):
        load_pkcs12(archive, b"wrong")
