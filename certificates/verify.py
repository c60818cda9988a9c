"""Checking a certificate PDF: is it signed, unaltered, and signed by a key we trust?

Used by the verification page and ``certpost verify``. Synchronous because pyHanko's validation runs its own
event loop; callers on a loop run it in an executor. Revocation is checked in soft-fail mode and nothing is
fetched over the network: the trust roots given are the whole trust decision, which is what a hall that runs
its own (or the development) CA needs. Every problem found is reported in words instead of raised, since the
input is often a file a citizen uploaded.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from pyhanko.keys import load_certs_from_pemder
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from .errors import IdentifierError
from .identifier import parse_identifier
from .loopguard import ensure_no_running_loop

__all__ = ["VerificationResult", "verify_pdf"]


@dataclass
class VerificationResult:
    """What a verifier found. ``ok`` is the one answer a citizen needs; ``problems`` says why not."""

    signed: bool
    intact: bool
    valid: bool
    trusted: bool
    signed_at: datetime | None
    signer: str
    identifier: str | None
    problems: list[str] = field(default_factory=list)
    timestamp: datetime | None = None
    """The RFC 3161 time the issuer's signature was stamped at (PAdES B-T), ``None`` without a token."""
    timestamp_authority: str = ""
    timestamp_trusted: bool = False
    """Whether the time-stamping authority chains to one of the trust roots given."""

    @property
    def ok(self) -> bool:
        """Signed, unaltered, cryptographically valid, trusted, and nothing else wrong."""
        return self.signed and self.intact and self.valid and self.trusted and not self.problems


def _trust_roots(paths: Sequence[Path]) -> list[asn1_x509.Certificate]:
    return [cert for path in paths for cert in load_certs_from_pemder([str(path)])]


def _signed_identifier(pdf: bytes, byte_range: Sequence[int], problems: list[str]) -> str | None:
    """Read /Subject from the revision the signature covers, so a later update cannot swap the identifier."""
    end = int(byte_range[2]) + int(byte_range[3])
    try:
        info = PdfFileReader(io.BytesIO(pdf[:end]), strict=False).trailer_view.get("/Info")
        subject = info.get_object().get("/Subject") if info is not None else None
    except (PdfError, ValueError, KeyError) as e:
        problems.append(f"cannot read the signed revision's metadata: {e}")
        return None
    if subject is None:
        problems.append("the signed document carries no identifier in its /Subject")
        return None
    text = str(subject)
    try:
        parse_identifier(text)
    except IdentifierError as e:
        problems.append(f"the identifier in the signed document is not valid: {e}")
    return text


def _status_problems(status: PdfSignatureStatus) -> list[str]:
    problems = []
    if not status.intact:
        problems.append("the signed content was changed after signing")
    if not status.valid:
        problems.append("the signature value does not match the signer's key")
    if status.intact and status.valid and not status.trusted:
        problems.append(f"the signer's certificate is not trusted ({status.trust_problem_indic})")
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        level = status.modification_level
        if not status.docmdp_ok:
            problems.append(f"the document was modified after signing in a way that is not allowed ({level})")
        else:
            problems.append(f"the document was extended after signing ({level})")
    return problems


def _read_timestamp(status: PdfSignatureStatus, result: VerificationResult) -> None:
    token = status.timestamp_validity
    if token is None:
        return
    result.timestamp = token.timestamp
    subject = token.signing_cert.subject
    result.timestamp_authority = str(subject.native.get("common_name") or subject.human_friendly)
    result.timestamp_trusted = token.intact and token.valid and token.trusted
    if not (token.intact and token.valid):
        result.problems.append("the signature's timestamp token does not match the signature")


def _signer_name(status: PdfSignatureStatus) -> str:
    subject = status.signing_cert.subject.native
    return str(subject.get("common_name") or status.signing_cert.subject.human_friendly)


def verify_pdf(pdf: bytes, trust_roots: Sequence[Path]) -> VerificationResult:
    """Validate every signature in ``pdf`` against ``trust_roots`` (PEM or DER certificate files).

    The result describes the first signature (the issuer's); the flags are true only if they hold for all.
    """
    ensure_no_running_loop("verify_pdf")
    result = VerificationResult(False, False, False, False, None, "", None, [])
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_regular_signatures
    except (PdfError, ValueError, OSError) as e:
        result.problems.append(f"not a readable PDF: {e}")
        return result
    if not signatures:
        result.problems.append("the document has no signature")
        return result
    context = ValidationContext(trust_roots=_trust_roots(trust_roots), allow_fetching=False)
    statuses = []
    for signature in signatures:
        try:
            statuses.append(validate_pdf_signature(signature, context))
        except Exception as e:  # pyHanko raises a variety of types for malformed signatures
            result.problems.append(f"signature {signature.field_name} cannot be validated: {e}")
    result.signed = True
    if not statuses:
        return result
    first = statuses[0]
    result.intact = all(s.intact for s in statuses) and len(statuses) == len(signatures)
    result.valid = all(s.valid for s in statuses) and len(statuses) == len(signatures)
    result.trusted = all(s.trusted for s in statuses) and len(statuses) == len(signatures)
    result.signed_at = first.signer_reported_dt
    result.signer = _signer_name(first)
    _read_timestamp(first, result)
    for status in statuses:
        result.problems += _status_problems(status)
    byte_range = signatures[0].sig_object.get("/ByteRange")
    result.identifier = _signed_identifier(pdf, list(byte_range), result.problems)
    return result
