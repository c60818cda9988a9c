"""PAdES signing of rendered certificates: pyHanko's signer and CMS, our own single-pass PDF update.

The signature field, its empty appearance and the signature dictionary are appended by
:mod:`certificates.pdf_signature`; the CMS container (PAdES signed attributes, optional RFC 3161 token) is
pyHanko's (:mod:`certificates.pades_cms`). Synchronous on purpose: pyHanko's signer is async and is driven by
an event loop of our own, which cannot run inside a running loop. It is called in the producer's worker
processes, which have no loop; async code reaches it only through
:class:`certificates.producer.CertificateProducer`.
"""

from __future__ import annotations

from pyhanko.sign.signers.pdf_cms import Signer, SimpleSigner
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper, TimestampRequestError

from .errors import CertificateError, KeyMaterialError
from .keys import KeyMaterial
from .loopguard import ensure_no_running_loop
from .pades_cms import pades_cms
from .pdf_signature import SignatureAppearance, append_signature

__all__ = ["SIGNATURE_FIELD", "TimestampError", "load_signer", "load_timestamper", "sign_pdf_bytes"]

SIGNATURE_FIELD = "IssuerSignature"


def load_signer(material: KeyMaterial) -> SimpleSigner:
    """Load the key and certificates named by ``material`` into a pyHanko signer (once per worker)."""
    chain = [str(path) for path in material.chain_paths]
    for path in (material.key_path, material.cert_path, *material.chain_paths):
        if path is not None and not path.is_file():
            raise KeyMaterialError(f"signing key material {path} does not exist")
    if material.kind == "pkcs12":
        signer = SimpleSigner.load_pkcs12(
            str(material.key_path), ca_chain_files=chain or None, passphrase=material.passphrase
        )
    else:
        signer = SimpleSigner.load(
            str(material.key_path),
            str(material.cert_path),
            ca_chain_files=chain or None,
            key_passphrase=material.passphrase,
        )
    if signer is None:  # pyHanko logs the cause and returns None instead of raising
        raise KeyMaterialError(f"pyHanko could not load the signing key material at {material.key_path}")
    return signer


class TimestampError(CertificateError):
    """The time-stamping authority could not be reached or refused the request (PAdES B-T needs it)."""


_TSA_TIMEOUT = 10  # seconds; a clerk waits for this, and a TSA that slow is better reported than waited on
_TOKEN_ROOM = 12_000  # bytes kept free for a TSA's token: its certificates vary by authority


def load_timestamper(url: str | None) -> TimeStamper | None:
    """An RFC 3161 client for ``url`` (``signing.tsa_url``), or ``None`` when no TSA is configured."""
    if not url or not url.strip():
        return None
    if not url.startswith(("http://", "https://")):
        raise CertificateError(f"signing.tsa_url {url!r} must be an http:// or https:// URL")
    return HTTPTimeStamper(url.strip(), timeout=_TSA_TIMEOUT)


def _bytes_reserved(signer: Signer, timestamper: TimeStamper | None) -> int:
    """Room for the CMS container, in hex digits, computed from the certificates instead of by a dry run.

    pyHanko's default estimate signs everything twice (once to measure), which doubles the cost of every
    certificate; the container's size is the certificates plus a bounded amount, so it is known upfront.
    """
    certs = [signer.signing_cert, *(signer.cert_registry or ())]
    size = sum(len(cert.dump()) for cert in certs if cert is not None) + 2048
    if timestamper is not None:
        size += _TOKEN_ROOM
    return 2 * size


def sign_pdf_bytes(
    pdf: bytes,
    signer: Signer,
    *,
    field_box: tuple[int, int, int, int] | None = None,
    reason: str = "电子证照签发",
    location: str | None = None,
    timestamper: TimeStamper | None = None,
) -> bytes:
    """Return ``pdf`` with one PAdES (ETSI.CAdES.detached) signature appended as an incremental update.

    With ``field_box`` (x1, y1, x2, y2 on page 1, see :func:`certificates.render.seal_box`) the signature
    field is visible and sits on the drawn seal; its own appearance is left empty so the seal shows through.
    Without it the signature is invisible. With ``timestamper`` the signature carries an RFC 3161 timestamp
    token (PAdES B-T); a TSA failure raises :class:`TimestampError` and nothing is signed.
    """
    ensure_no_running_loop("sign_pdf_bytes")
    look = SignatureAppearance(SIGNATURE_FIELD, field_box, reason, location)

    def container(digest: bytes) -> bytes:
        return pades_cms(signer, digest, timestamper)

    try:
        return append_signature(pdf, look, _bytes_reserved(signer, timestamper), container)
    except (TimestampRequestError, TimeoutError) as e:
        cause = f" ({e.__cause__})" if e.__cause__ else ""
        raise TimestampError(f"the time-stamping authority did not answer properly: {e}{cause}") from e
