"""One error shape for every failure: `{"error": {"code", "message"}}`, never a stack trace."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from certificates import CertificateError, DocumentError
from delivery.domain.intake import IntakeError
from delivery.services.certificates import Conflict, NotFound

__all__ = ["ApiError", "error_middleware", "error_response"]

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def error_response(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as e:
        return error_response(e.status, e.code, e.message)
    except IntakeError as e:
        return error_response(e.status, e.code, e.message)
    except NotFound as e:
        return error_response(404, "not_found", str(e))
    except Conflict as e:
        return error_response(409, "conflict", str(e))
    except DocumentError as e:
        return error_response(422, "invalid_document", str(e))
    except CertificateError as e:
        # signing could not happen (TSA down, worker could not load the key): nothing changed, retry later
        log.error("certificate production failed on %s %s: %s", request.method, request.path, e)
        return error_response(503, "signing_unavailable", f"The certificate could not be signed: {e}")
    except web.HTTPException as e:
        if e.status < 400:
            raise
        message = {
            404: "No such resource.",
            405: f"Method {request.method} is not allowed here.",
            413: "The request body is too large.",
        }.get(e.status, e.reason)
        return error_response(e.status, _HTTP_CODES.get(e.status, "error"), message)
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal", "Something went wrong on our side; it has been logged.")
