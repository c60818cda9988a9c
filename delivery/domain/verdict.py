"""What a verifier tells a citizen: the PDF's own evidence combined with what this service has on record.

A signature can be perfect and the licence still withdrawn, so the answer is "genuine" only when the file is
signed, unaltered, valid, trusted, known here and not revoked. Plain data in and out, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from certificates import VerificationResult
from delivery.domain.masking import mask_name

__all__ = ["Record", "Verdict", "judge"]


@dataclass(frozen=True, slots=True)
class Record:
    """The service's own record of an identifier."""

    holder_name: str
    issuer_name: str
    type_name: str
    issued_at: datetime | None
    revoked_at: datetime | None = None
    revocation_reason: str | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    signed: bool
    intact: bool
    valid: bool
    trusted: bool
    known: bool
    revoked: bool
    revoked_at: datetime | None
    revocation_reason: str | None
    identifier: str | None
    holder: str | None
    issuer: str | None
    signed_at: datetime | None
    timestamp: datetime | None
    timestamp_authority: str | None
    problems: list[str] = field(default_factory=list)

    @property
    def genuine(self) -> bool:
        return (
            self.signed and self.intact and self.valid and self.trusted and self.known and not self.revoked
        ) and not self.problems

    def as_json(self) -> dict[str, Any]:
        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "genuine": self.genuine,
            "signed": self.signed,
            "intact": self.intact,
            "valid": self.valid,
            "trusted": self.trusted,
            "known": self.known,
            "revoked": self.revoked,
            "revocation": (
                {"revoked_at": iso(self.revoked_at), "reason": self.revocation_reason}
                if self.revoked
                else None
            ),
            "identifier": self.identifier,
            "holder": self.holder,
            "issuer": self.issuer,
            "signed_at": iso(self.signed_at),
            "timestamp": (
                {"time": iso(self.timestamp), "authority": self.timestamp_authority}
                if self.timestamp
                else None
            ),
            "problems": list(self.problems),
        }


def judge(result: VerificationResult, record: Record | None) -> Verdict:
    """Combine the file's evidence with the record found under its (signed) identifier."""
    problems = list(result.problems)
    if result.identifier and result.signed and result.intact and record is None:
        problems.append(f"this service has no record of identifier {result.identifier}")
    revoked = record is not None and record.revoked_at is not None
    if revoked and record is not None:
        problems.append(f"the certificate was revoked: {record.revocation_reason}")
    return Verdict(
        signed=result.signed,
        intact=result.intact,
        valid=result.valid,
        trusted=result.trusted,
        known=record is not None,
        revoked=revoked,
        revoked_at=record.revoked_at if record else None,
        revocation_reason=record.revocation_reason if record else None,
        identifier=result.identifier,
        # the name comes from our record, masked: a public answer never repeats personal data in full
        holder=mask_name(record.holder_name) if record else None,
        issuer=result.signer or (record.issuer_name if record else None),
        signed_at=result.signed_at,
        timestamp=result.timestamp,
        timestamp_authority=result.timestamp_authority or None,
        problems=problems,
    )
