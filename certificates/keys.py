"""Signing key material: where the key and certificates are, plus a development CA made on first start.

:class:`KeyMaterial` holds paths (and a passphrase), not loaded keys, so it pickles into worker processes
and each worker loads the signer itself. :func:`ensure_dev_keys` gives a fresh installation a working
signing setup with no configuration: a development root CA and a signing certificate for the hall, written
as PEM files with the private keys readable by the owner only, and reused on every later start so that
certificates signed yesterday still verify against the same root today. Production installations point at
their own PEM or PKCS#12 files instead (:func:`load_pem`, :func:`load_pkcs12`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from .errors import KeyMaterialError

__all__ = [
    "Algorithm",
    "KeyInfo",
    "KeyMaterial",
    "describe_key",
    "ensure_dev_keys",
    "load_pem",
    "load_pkcs12",
]

Algorithm = Literal["ecdsa", "rsa"]
PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

ROOT_KEY = "dev-root-ca.key.pem"
ROOT_CERT = "dev-root-ca.cert.pem"
SIGNING_KEY = "signing.key.pem"
SIGNING_CERT = "signing.cert.pem"
_ROOT_YEARS = 20
_SIGNING_YEARS = 5
_RENEW_BEFORE = dt.timedelta(days=30)


@dataclass(frozen=True)
class KeyMaterial:
    """Where the signer's key and certificates live.

    ``kind`` is ``"pem"`` (``key_path`` a PEM private key, ``cert_path`` its certificate) or ``"pkcs12"``
    (``key_path`` a PKCS#12 archive holding key and certificate; ``cert_path`` is ``None``). ``chain_paths``
    are intermediate certificates to embed; ``root_path`` is the trust anchor verifiers should use.
    """

    key_path: Path
    cert_path: Path | None
    chain_paths: tuple[Path, ...] = ()
    root_path: Path | None = None
    passphrase: bytes | None = field(default=None, repr=False)
    kind: Literal["pem", "pkcs12"] = "pem"

    @property
    def trust_roots(self) -> tuple[Path, ...]:
        """The root certificate as a one-element tuple (empty when unknown), ready for ``verify_pdf``."""
        return (self.root_path,) if self.root_path is not None else ()


def _new_key(algorithm: Algorithm) -> PrivateKey:
    if algorithm == "ecdsa":
        return ec.generate_private_key(ec.SECP256R1())
    if algorithm == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=3072)
    raise KeyMaterialError(f"unknown key algorithm {algorithm!r}; use 'ecdsa' or 'rsa'")


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key_usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not ca,
        content_commitment=not ca,  # non-repudiation: pyHanko requires it of document signers by default
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _root_certificate(key: PrivateKey, now: dt.datetime) -> x509.Certificate:
    name = _name("certpost development root CA", "certpost development (not for production)")
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * _ROOT_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )


def _signing_certificate(
    key: PrivateKey, issuer_name: str, root_key: PrivateKey, root: x509.Certificate, now: dt.datetime
) -> x509.Certificate:
    ski = root.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return (
        x509.CertificateBuilder()
        .subject_name(_name(issuer_name, issuer_name))
        .issuer_name(root.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(min(now + dt.timedelta(days=365 * _SIGNING_YEARS), root.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(ca=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
        .sign(root_key, hashes.SHA256())
    )


def _write(path: Path, data: bytes, *, private: bool) -> None:
    """Write atomically; a private key's file is 0600 from the moment it exists, never briefly readable."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    try:
        os.fchmod(fd, 0o600 if private else 0o644)
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def _key_pem(key: PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _read_key(path: Path) -> PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise KeyMaterialError(f"{path} holds a {type(key).__name__}; only ECDSA and RSA keys are supported")
    return key


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """Serialise creation across processes (several replicas or workers may start at once)."""
    with open(directory / ".dev-keys.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _needs_signing_cert(directory: Path, issuer_name: str, now: dt.datetime) -> bool:
    key_file, cert_file = directory / SIGNING_KEY, directory / SIGNING_CERT
    if not key_file.exists() or not cert_file.exists():
        return True
    cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
    common_names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    renamed = not common_names or common_names[0].value != issuer_name
    return renamed or cert.not_valid_after_utc - now < _RENEW_BEFORE


def ensure_dev_keys(directory: Path, issuer_name: str, algorithm: Algorithm = "ecdsa") -> KeyMaterial:
    """Return development key material in ``directory``, creating it on first call.

    Existing files are reused. When the hall's name changed or the signing certificate is about to expire, a
    new signing key and certificate are issued under the *existing* root, so earlier certificates keep
    verifying. ``algorithm`` applies to keys created by this call (ECDSA P-256 by default, or RSA 3072).
    """
    if not issuer_name.strip():
        raise KeyMaterialError("issuer_name must not be empty")
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with _locked(directory):
            now = dt.datetime.now(dt.UTC)
            root_key_file, root_cert_file = directory / ROOT_KEY, directory / ROOT_CERT
            if root_key_file.exists() and root_cert_file.exists():
                root_key = _read_key(root_key_file)
                root = x509.load_pem_x509_certificate(root_cert_file.read_bytes())
            else:
                root_key = _new_key(algorithm)
                root = _root_certificate(root_key, now)
                _write(root_key_file, _key_pem(root_key), private=True)
                _write(root_cert_file, _cert_pem(root), private=False)
                (directory / SIGNING_CERT).unlink(missing_ok=True)  # a leaf of an old root is useless
            if _needs_signing_cert(directory, issuer_name, now):
                key = _new_key(algorithm)
                _write(directory / SIGNING_KEY, _key_pem(key), private=True)
                cert = _signing_certificate(key, issuer_name, root_key, root, now)
                _write(directory / SIGNING_CERT, _cert_pem(cert), private=False)
    except (OSError, ValueError) as e:
        raise KeyMaterialError(f"cannot create or read development keys in {directory}: {e}") from e
    return KeyMaterial(
        key_path=directory / SIGNING_KEY,
        cert_path=directory / SIGNING_CERT,
        root_path=root_cert_file,
    )


def load_pem(
    key_path: Path,
    cert_path: Path,
    chain_paths: Sequence[Path] = (),
    root_path: Path | None = None,
    passphrase: bytes | None = None,
) -> KeyMaterial:
    """Describe PEM files as :class:`KeyMaterial`, checking now that the key opens and fits the certificate.

    Checking at configuration time turns a wrong passphrase or a mismatched pair into a start-up error
    instead of a failure on the first certificate a clerk marks ready.
    """
    try:
        key = serialization.load_pem_private_key(Path(key_path).read_bytes(), password=passphrase)
        cert = x509.load_pem_x509_certificate(Path(cert_path).read_bytes())
        for path in (*chain_paths, *([root_path] if root_path else [])):
            x509.load_pem_x509_certificates(Path(path).read_bytes())
    except (OSError, ValueError, TypeError) as e:
        raise KeyMaterialError(f"cannot load signing key material: {e}") from e
    if cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) != key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ):
        raise KeyMaterialError(f"private key {key_path} does not belong to certificate {cert_path}")
    return KeyMaterial(
        Path(key_path),
        Path(cert_path),
        tuple(Path(p) for p in chain_paths),
        Path(root_path) if root_path else None,
        passphrase,
        "pem",
    )


def load_pkcs12(
    path: Path, passphrase: bytes | None, chain_paths: Sequence[Path] = (), root_path: Path | None = None
) -> KeyMaterial:
    """Describe a PKCS#12 archive (.p12/.pfx) as :class:`KeyMaterial`, checking that it opens."""
    try:
        key, cert, _extra = pkcs12.load_key_and_certificates(Path(path).read_bytes(), passphrase)
    except (OSError, ValueError, TypeError) as e:
        raise KeyMaterialError(f"cannot open PKCS#12 file {path}: {e}") from e
    if key is None or cert is None:
        raise KeyMaterialError(f"PKCS#12 file {path} must contain a private key and its certificate")
    return KeyMaterial(
        Path(path),
        None,
        tuple(Path(p) for p in chain_paths),
        Path(root_path) if root_path else None,
        passphrase,
        "pkcs12",
    )


@dataclass(frozen=True)
class KeyInfo:
    """What an operator needs to know about the signing certificate in use."""

    kind: str
    subject: str
    not_after: dt.datetime
    algorithm: str


def describe_key(material: KeyMaterial) -> KeyInfo:
    """Read the signing certificate named by ``material`` (PEM or PKCS#12) for ``certpost doctor``."""
    try:
        if material.kind == "pkcs12":
            _key, cert, _extra = pkcs12.load_key_and_certificates(
                material.key_path.read_bytes(), material.passphrase
            )
            if cert is None:
                raise KeyMaterialError(f"PKCS#12 file {material.key_path} holds no certificate")
        else:
            if material.cert_path is None:
                raise KeyMaterialError("PEM key material needs a certificate file")
            cert = x509.load_pem_x509_certificate(material.cert_path.read_bytes())
    except (OSError, ValueError, TypeError) as e:
        raise KeyMaterialError(f"cannot read the signing certificate: {e}") from e
    public = cert.public_key()
    if isinstance(public, ec.EllipticCurvePublicKey):
        algorithm = f"ECDSA {public.curve.name}"
    elif isinstance(public, rsa.RSAPublicKey):
        algorithm = f"RSA {public.key_size}"
    else:
        algorithm = type(public).__name__
    return KeyInfo(material.kind, cert.subject.rfc4514_string(), cert.not_valid_after_utc, algorithm)
