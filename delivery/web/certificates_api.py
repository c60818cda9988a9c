"""Clerk and integrator routes for certificates."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from delivery.domain.batch import parse_ids
from delivery.domain.intake import parse_new_certificate
from delivery.domain.revocation import parse_reason
from delivery.domain.roles import Permission
from delivery.services.certificates import MAX_READY_BATCH
from delivery.web.auth import requires
from delivery.web.errors import ApiError
from delivery.web.keys import SERVICES
from delivery.web.representations import certificate_json

__all__ = ["read_json", "routes"]

routes = web.RouteTableDef()


async def read_json(request: web.Request) -> Any:
    try:
        text = await request.text()
    except UnicodeDecodeError as e:
        raise ApiError(400, "invalid_json", "The request body must be UTF-8 JSON.") from e
    if not text.strip():
        raise ApiError(400, "invalid_json", "The request body is empty; send a JSON object.")
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise ApiError(
            400, "invalid_json", f"The request body is not valid JSON: {e.msg} at line {e.lineno}."
        ) from e


def _certificate_id(request: web.Request) -> int:
    raw = request.match_info["id"]
    if not raw.isdigit() or len(raw) > 12:
        raise ApiError(404, "not_found", f"certificate {raw} does not exist")
    return int(raw)


@routes.get("/api/certificate-types")
async def list_types(request: web.Request) -> web.Response:
    types = request.app[SERVICES].certificates.types
    return web.json_response(
        [
            {
                "code": t.code,
                "name": t.name,
                "fields": [{"key": f.key, "label": f.label, "required": f.required} for f in t.fields],
            }
            for t in types.values()
        ]
    )


@routes.post("/api/certificates")
@requires(Permission.CREATE_CERTIFICATE)
async def create_certificate(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    body = await read_json(request)
    new = parse_new_certificate(
        body,
        type_fields={
            code: [f.key for f in t.fields if f.required] for code, t in services.certificates.types.items()
        },
        carriers=services.couriers.keys(),
    )
    cert = await services.certificates.create(new)
    return web.json_response(
        certificate_json(cert, None), status=201, headers={"Location": f"/api/certificates/{cert.id}"}
    )


@routes.get("/api/certificates/{id}")
@requires(Permission.READ_CERTIFICATE)
async def get_certificate(request: web.Request) -> web.Response:
    service = request.app[SERVICES].certificates
    cert = await service.get(_certificate_id(request))
    return web.json_response(certificate_json(cert, await service.shipment_of(cert)))


@routes.post("/api/certificates/{id}/ready")
@requires(Permission.MARK_READY)
async def mark_ready(request: web.Request) -> web.Response:
    service = request.app[SERVICES].certificates
    cert, shipment = await service.mark_ready(_certificate_id(request))
    # 202 while the courier booking is still being retried in the background.
    status = 202 if shipment is not None and shipment.tracking_number is None else 200
    return web.json_response(certificate_json(cert, shipment), status=status)


@routes.post("/api/certificates/ready")
@requires(Permission.MARK_READY)
async def mark_many_ready(request: web.Request) -> web.Response:
    """Each id is marked ready on its own; the answer lists every id's result in request order."""
    ids = parse_ids(await read_json(request), MAX_READY_BATCH)
    outcomes = await request.app[SERVICES].certificates.mark_ready_many(ids)
    results: list[dict[str, Any]] = []
    for outcome in outcomes:
        if outcome.certificate is None:
            error = {"code": outcome.error, "message": outcome.message}
            results.append({"id": outcome.id, "ok": False, "error": error})
        else:
            body = certificate_json(outcome.certificate, outcome.shipment)
            results.append({"id": outcome.id, "ok": True, "certificate": body})
    failed = sum(not r["ok"] for r in results)
    return web.json_response({"ready": len(results) - failed, "failed": failed, "results": results})


@routes.post("/api/certificates/{id}/revoke")
@requires(Permission.REVOKE_CERTIFICATE)
async def revoke(request: web.Request) -> web.Response:
    """200 with the revocation; repeating it answers 200 with the first revocation, ``already_revoked``."""
    certificate_id = _certificate_id(request)
    reason = parse_reason(await read_json(request))
    service = request.app[SERVICES].certificates
    cert, revoked_now = await service.revoke(certificate_id, reason)
    body = certificate_json(cert, await service.shipment_of(cert)) | {"already_revoked": not revoked_now}
    return web.json_response(body)


@routes.get("/api/certificates/{id}/pdf")
@requires(Permission.READ_CERTIFICATE)
async def get_pdf(request: web.Request) -> web.StreamResponse:
    service = request.app[SERVICES].certificates
    cert = await service.get(_certificate_id(request))
    path = service.pdf_path(cert)
    if path is None:
        raise ApiError(409, "not_ready", "The certificate has no PDF yet: mark it ready first.")
    if not path.exists():
        raise ApiError(410, "pdf_missing", "The PDF file is missing from storage; ask an operator.")
    return web.FileResponse(
        path,
        headers={
            "Content-Type": "application/pdf",
            "Content-Disposition": f'inline; filename="certificate-{cert.id}.pdf"',
        },
    )
