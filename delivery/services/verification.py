"""Answering "is this licence genuine?" for an uploaded PDF or a scanned QR code."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from pathlib import Path

from certificates import CertificateType, verify_pdf
from delivery.domain.verdict import Record, Verdict, judge
from delivery.storage.models import Certificate

__all__ = ["VerificationService", "record_of"]

_CONCURRENT_CHECKS = 2  # validation is CPU work in threads; a flood of uploads must not starve the loop


def record_of(cert: Certificate, types: Mapping[str, CertificateType]) -> Record:
    kind = types.get(cert.type_code)
    return Record(
        holder_name=cert.holder_name,
        issuer_name=cert.issuer_name,
        type_name=kind.name if kind else cert.type_code,
        issued_at=cert.issued_at,
        revoked_at=cert.revoked_at,
        revocation_reason=cert.revocation_reason,
    )


class VerificationService:
    def __init__(self, trust_roots: Sequence[Path], types: Mapping[str, CertificateType]) -> None:
        self._roots = tuple(trust_roots)
        self._types = types
        self._gate = asyncio.Semaphore(_CONCURRENT_CHECKS)

    async def lookup(self, identifier: str) -> tuple[Certificate, Record] | None:
        """The issued certificate with this identifier (drafts have none), with its public record."""
        if not identifier or len(identifier) > 128:
            return None
        cert = await Certificate.filter(identifier=identifier).first()
        return (cert, record_of(cert, self._types)) if cert is not None else None

    async def check(self, pdf: bytes) -> Verdict:
        """Validate the signature off the loop (pyHanko is synchronous), then consult our records."""
        async with self._gate:
            result = await asyncio.to_thread(verify_pdf, pdf, self._roots)
        found = await self.lookup(result.identifier) if result.identifier else None
        return judge(result, found[1] if found else None)
