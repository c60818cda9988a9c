"""Public verification: upload a PDF to `POST /api/verify`, or open `/verify/{identifier}` (the QR code)."""

from __future__ import annotations

from aiohttp import BodyPartReader, web

from delivery.web.errors import ApiError
from delivery.web.keys import SERVICES, SETTINGS
from delivery.web.verify_page import not_found_page, record_page

__all__ = ["routes"]

routes = web.RouteTableDef()

_PDF_TYPES = ("application/pdf", "application/octet-stream")
_HTML = "text/html"


def _too_large(limit: int) -> ApiError:
    return ApiError(413, "payload_too_large", f"The PDF is larger than {limit} bytes.")


async def _multipart_pdf(request: web.Request, limit: int) -> bytes:
    """The first file part (or a part named file/pdf), read with the same size limit as a raw body."""
    reader = await request.multipart()
    async for part in reader:
        if not isinstance(part, BodyPartReader):
            continue
        if part.filename is None and part.name not in ("file", "pdf"):
            await part.release()
            continue
        data = bytearray()
        while chunk := await part.read_chunk(65536):
            data += chunk
            if len(data) > limit:
                raise _too_large(limit)
        return bytes(data)
    raise ApiError(422, "missing_file", "The form has no file: send the PDF as a file field named 'file'.")


async def _uploaded_pdf(request: web.Request) -> bytes:
    limit = int(request.app[SETTINGS].section("server")["max_body_bytes"])
    if request.content_length is not None and request.content_length > limit:
        raise _too_large(limit)
    if request.content_type.startswith("multipart/"):
        pdf = await _multipart_pdf(request, limit)
    elif request.content_type in _PDF_TYPES:
        pdf = await request.read()
    else:
        raise ApiError(
            415,
            "unsupported_media_type",
            "Send the PDF as the request body with Content-Type: application/pdf, or as multipart/form-data.",
        )
    if not pdf:
        raise ApiError(422, "not_a_pdf", "The upload is empty: send the certificate's PDF file.")
    if b"%PDF-" not in pdf[:1024]:
        raise ApiError(422, "not_a_pdf", "The upload is not a PDF file.")
    return pdf


@routes.post("/api/verify")
async def verify_upload(request: web.Request) -> web.Response:
    """Facts about an uploaded certificate PDF; ``genuine`` is the one-word answer."""
    pdf = await _uploaded_pdf(request)
    verdict = await request.app[SERVICES].verification.check(pdf)
    return web.json_response(verdict.as_json(), headers={"Cache-Control": "no-store"})


@routes.get("/verify/{identifier}")
async def verify_page(request: web.Request) -> web.Response:
    identifier = request.match_info["identifier"].strip()
    found = await request.app[SERVICES].verification.lookup(identifier)
    if found is None:
        return web.Response(text=not_found_page(identifier), status=404, content_type=_HTML)
    _cert, record = found
    # short cache: a revocation must show within a minute, but a crowd scanning one code is served cheaply
    return web.Response(
        text=record_page(identifier, record), content_type=_HTML, headers={"Cache-Control": "max-age=60"}
    )
