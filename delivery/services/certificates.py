"""The clerk's certificate workflow: intake, mark ready (identifier, signed PDF, shipment, booking)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tortoise.transactions import in_transaction

from certificates import (
    CertificateDocument,
    CertificateError,
    CertificateProducer,
    CertificateType,
    make_identifier,
)
from couriers import Courier
from delivery.domain.intake import NewCertificate
from delivery.storage.models import Certificate, Shipment
from delivery.storage.shipments import ShipmentRepository
from scheduler import attempt_booking

__all__ = ["MAX_READY_BATCH", "CertificateService", "Conflict", "Issuer", "NotFound", "ReadyOutcome"]

log = logging.getLogger(__name__)

#: Marks the lease a ready request holds while it books, so the retry job waits for it.
_REQUEST_LEASE_OWNER = "ready-request"

MAX_READY_BATCH = 100
"""Most certificates one request may mark ready: a bigger pile is a CSV import, not a click."""

_BATCH_CONCURRENCY = 4  # overlaps rendering in the pool with database writes and courier bookings


class NotFound(Exception):
    pass


class Conflict(Exception):
    pass


@dataclass(frozen=True, slots=True)
class ReadyOutcome:
    """One id's answer in a batch: the certificate and shipment, or an error code and message."""

    id: int
    certificate: Certificate | None = None
    shipment: Shipment | None = None
    error: str | None = None
    message: str = ""


@dataclass(frozen=True, slots=True)
class Issuer:
    name: str
    code: str


class CertificateService:
    def __init__(
        self,
        *,
        types: Mapping[str, CertificateType],
        producer: CertificateProducer,
        pdf_dir: Path,
        issuer: Issuer,
        verify_url: Callable[[str], str],
        couriers: Mapping[str, Courier],
        shipments: ShipmentRepository,
        callback_url: Callable[[str], str],
        booking_timeout: float,
        lease: timedelta,
    ) -> None:
        self.types = types
        self._producer = producer
        self._pdf_dir = pdf_dir
        self._issuer = issuer
        self._verify_url = verify_url
        self._couriers = couriers
        self._shipments = shipments
        self._callback_url = callback_url
        self._booking_timeout = booking_timeout
        self._lease = lease

    async def create(self, new: NewCertificate) -> Certificate:
        delivery: dict[str, object] = {"method": new.delivery.method}
        if new.delivery.carrier and new.delivery.recipient:
            recipient = new.delivery.recipient
            delivery |= {
                "carrier": new.delivery.carrier,
                "recipient": {
                    "name": recipient.name,
                    "phone": recipient.phone,
                    "province": recipient.province,
                    "city": recipient.city,
                    "county": recipient.county,
                    "address": recipient.address,
                },
            }
        return await Certificate.create(
            type_code=new.type_code,
            holder_name=new.holder_name,
            holder_id_number=new.holder_id_number,
            fields_json=dict(new.fields),
            delivery_method=new.delivery.method,
            delivery_json=delivery,
            issuer_name=self._issuer.name,
            issuer_code=self._issuer.code,
        )

    async def get(self, certificate_id: int) -> Certificate:
        cert = await Certificate.filter(id=certificate_id).first()
        if cert is None:
            raise NotFound(f"certificate {certificate_id} does not exist")
        return cert

    async def shipment_of(self, cert: Certificate) -> Shipment | None:
        return await Shipment.filter(certificate_id=cert.id).first()

    async def mark_ready(self, certificate_id: int) -> tuple[Certificate, Shipment | None]:
        """Idempotent: a second call (or a concurrent double click) returns the same shipment.

        The PDF is produced before any state changes, so a failure leaves the certificate a draft;
        the booking may fail and is then retried by the background job while the shipment stays pending.
        """
        cert = await self.get(certificate_id)
        if cert.status == "revoked":
            raise Conflict("a revoked certificate cannot be marked ready")
        if cert.status != "draft":
            return cert, await self.shipment_of(cert)
        issued_at = datetime.now(UTC)
        cert_type = self.types[cert.type_code]
        identifier = make_identifier(cert_type.catalog_code, self._issuer.code, cert.id, cert.version)
        pdf = await self._producer.produce(
            CertificateDocument(
                identifier=identifier,
                type=cert_type,
                holder_name=cert.holder_name,
                holder_id_number=cert.holder_id_number,
                fields=dict(cert.fields_json),
                issuer_name=self._issuer.name,
                issued_at=issued_at,
                verify_url=self._verify_url(identifier),
            )
        )
        digest = hashlib.sha256(pdf).hexdigest()
        path = self._pdf_dir / f"{cert.id}-v{cert.version:03d}-{digest[:12]}.pdf"
        await asyncio.to_thread(_write_atomically, path, pdf)
        shipment: Shipment | None = None
        async with in_transaction():
            won = await Certificate.filter(id=cert.id, status="draft").update(
                status="ready",
                identifier=identifier,
                issued_at=issued_at,
                pdf_path=str(path),
                pdf_sha256=digest,
                issuer_name=self._issuer.name,
                issuer_code=self._issuer.code,
            )
            if won and cert.delivery_method == "courier":
                shipment = await self._create_shipment(cert, issued_at)
        if not won:
            # Someone else marked it ready between our read and our write: theirs stands.
            await asyncio.to_thread(path.unlink, missing_ok=True)
            cert = await self.get(certificate_id)
            return cert, await self.shipment_of(cert)
        if shipment is not None:
            await self._book_now(shipment)
            shipment = await Shipment.get(id=shipment.id)
        return await self.get(certificate_id), shipment

    async def mark_ready_many(self, ids: list[int]) -> list[ReadyOutcome]:
        """Mark each id ready independently; one failure never stops or undoes the others.

        Results come back in the order of ``ids``. The batch size is the caller's to bound
        (:data:`MAX_READY_BATCH` for the API).
        """
        gate = asyncio.Semaphore(_BATCH_CONCURRENCY)

        async def one(certificate_id: int) -> ReadyOutcome:
            async with gate:
                try:
                    cert, shipment = await self.mark_ready(certificate_id)
                except NotFound as e:
                    return ReadyOutcome(certificate_id, error="not_found", message=str(e))
                except Conflict as e:
                    return ReadyOutcome(certificate_id, error="conflict", message=str(e))
                except CertificateError as e:
                    return ReadyOutcome(certificate_id, error="certificate_error", message=str(e))
                except Exception:
                    log.exception("marking certificate %s ready failed", certificate_id)
                    return ReadyOutcome(
                        certificate_id, error="internal", message="Something went wrong; it has been logged."
                    )
                return ReadyOutcome(certificate_id, cert, shipment)

        return list(await asyncio.gather(*(one(i) for i in ids)))

    async def revoke(self, certificate_id: int, reason: str) -> tuple[Certificate, bool]:
        """Withdraw a certificate; returns it and whether this call revoked it (``False``: already revoked).

        The first revocation's time and reason stand: a repeated request must not rewrite the record a
        verifier shows. The row, identifier and PDF stay, so verification can still say "revoked".
        """
        cert = await self.get(certificate_id)
        if cert.revoked_at is not None:
            return cert, False
        won = await Certificate.filter(id=cert.id, revoked_at__isnull=True).update(
            status="revoked", revoked_at=datetime.now(UTC), revocation_reason=reason
        )
        return await self.get(certificate_id), bool(won)

    async def _create_shipment(self, cert: Certificate, now: datetime) -> Shipment:
        delivery = cert.delivery_json
        recipient = delivery["recipient"]
        return await Shipment.create(
            certificate_id=cert.id,
            carrier=delivery["carrier"],
            order_id="CP" + uuid.uuid4().hex[:24].upper(),
            recipient_name=recipient["name"],
            recipient_phone=recipient["phone"],
            recipient_province=recipient["province"],
            recipient_city=recipient["city"],
            recipient_county=recipient["county"],
            recipient_address=recipient["address"],
            next_attempt_at=now,
            lease_owner=_REQUEST_LEASE_OWNER,
            lease_until=now + self._lease,
        )

    async def _book_now(self, shipment: Shipment) -> None:
        courier = self._couriers.get(shipment.carrier)
        task = self._shipments.booking_task(shipment, datetime.now(UTC))
        if courier is None:
            await self._shipments.record_booking_failure(
                shipment.id, f"carrier {shipment.carrier!r} is not configured", retry_at=None
            )
            return
        await attempt_booking(
            task, courier, self._shipments, callback_url=self._callback_url, time_limit=self._booking_timeout
        )

    def pdf_path(self, cert: Certificate) -> Path | None:
        return Path(cert.pdf_path) if cert.pdf_path else None


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
