"""The service objects one replica shares across requests and jobs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from certificates import CertificateProducer
from couriers import Courier
from delivery.services.certificates import CertificateService
from delivery.services.deliveries import DeliveryService
from delivery.services.pushes import PushIngest
from delivery.services.verification import VerificationService
from delivery.storage.shipments import ShipmentRepository
from scheduler import PollIntervals

__all__ = ["Services"]


@dataclass(frozen=True)
class Services:
    couriers: Mapping[str, Courier]
    intervals: Mapping[str, PollIntervals]
    producer: CertificateProducer
    shipments: ShipmentRepository
    certificates: CertificateService
    pushes: PushIngest
    deliveries: DeliveryService
    verification: VerificationService
