"""Issuing a pile of certificates at once (a CSV import): create, mark ready, and report row by row.

Each row stands alone: a bad row is reported with its number and reason and leaves nothing behind, and the
rows after it carry on. Progress is reported per row so a command line can draw a bar.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass

from certificates import CertificateError, CertificateType
from delivery.domain.csv_rows import row_to_body
from delivery.domain.intake import IntakeError, parse_new_certificate
from delivery.services.certificates import CertificateService, Conflict, NotFound
from delivery.storage.models import Certificate

__all__ = ["RowOutcome", "issue_rows"]

log = logging.getLogger(__name__)

_CONCURRENCY = 4


@dataclass(frozen=True, slots=True)
class RowOutcome:
    """``row`` is the line number in the file (the header is line 1)."""

    row: int
    certificate_id: int | None = None
    identifier: str | None = None
    tracking_number: str | None = None
    error: str | None = None


async def _issue_one(
    service: CertificateService, kind: CertificateType, carriers: Collection[str], row: int, cells: Mapping
) -> RowOutcome:
    required = {kind.code: [spec.key for spec in kind.fields if spec.required]}
    try:
        new = parse_new_certificate(row_to_body(cells, kind), type_fields=required, carriers=carriers)
    except IntakeError as e:
        return RowOutcome(row, error=e.message)
    cert = await service.create(new)
    try:
        ready, shipment = await service.mark_ready(cert.id)
    except (CertificateError, Conflict, NotFound) as e:
        await Certificate.filter(id=cert.id, status="draft").delete()  # a failed row leaves nothing behind
        return RowOutcome(row, error=str(e))
    except Exception:
        log.exception("issuing CSV row %s failed", row)
        await Certificate.filter(id=cert.id, status="draft").delete()
        return RowOutcome(row, error="unexpected error; see the log")
    number = shipment.tracking_number if shipment is not None else None
    return RowOutcome(row, ready.id, ready.identifier, number)


async def issue_rows(
    service: CertificateService,
    kind: CertificateType,
    carriers: Collection[str],
    rows: Iterable[tuple[int, Mapping[str, str | None]]],
    on_row: Callable[[RowOutcome], None] = lambda _outcome: None,
) -> list[RowOutcome]:
    """Issue every row; outcomes come back in row order, ``on_row`` is called as each one finishes."""
    gate = asyncio.Semaphore(_CONCURRENCY)

    async def run(row: int, cells: Mapping[str, str | None]) -> RowOutcome:
        async with gate:
            outcome = await _issue_one(service, kind, carriers, row, cells)
        on_row(outcome)
        return outcome

    return list(await asyncio.gather(*(run(row, cells) for row, cells in rows)))
