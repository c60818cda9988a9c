"""What both citizen routes (the answer and its stream) check before revealing anything.

Unknown number, missing tail and wrong tail answer identically, so numbers cannot be probed; repeated
failures and sweeps are rate limited (`ratelimit`), with a 429 that says when to come back.
"""

from __future__ import annotations

import hmac
import math
from dataclasses import dataclass

from aiohttp import web

from delivery.services.answers import TrackingAnswer
from delivery.services.live import ChangeFeed
from delivery.services.tracking import TrackingService
from delivery.web.errors import ApiError, error_response
from delivery.web.ratelimit import TrackingRateLimiter

__all__ = ["NOT_FOUND", "CitizenTracking", "RateLimited", "authorize", "rate_limited_response"]

NOT_FOUND = "No parcel matches this tracking number and phone number."


@dataclass(frozen=True)
class CitizenTracking:
    """The per-replica objects behind the citizen routes (one cleanup context builds them)."""

    service: TrackingService
    feed: ChangeFeed
    limiter: TrackingRateLimiter
    #: Header carrying the client address behind a trusted proxy (e.g. X-Forwarded-For); "" = peer address.
    client_header: str = ""
    stream_ping_seconds: float = 15.0
    stream_recheck_seconds: float = 60.0


class RateLimited(Exception):
    def __init__(self, retry_after: float, message: str) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.message = message


def rate_limited_response(error: RateLimited) -> web.Response:
    response = error_response(429, "rate_limited", error.message)
    response.headers["Retry-After"] = str(math.ceil(error.retry_after))
    return response


def client_of(request: web.Request, header: str) -> str:
    if header:
        forwarded = request.headers.get(header, "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.remote or "unknown"


async def authorize(
    request: web.Request, citizen: CitizenTracking, *, refresh: bool = True
) -> TrackingAnswer:
    """The answer for the route's number and `phone_tail`; raises `ApiError` 404 or `RateLimited`."""
    number = request.match_info["tracking_number"].strip()
    tail = request.query.get("phone_tail", "").strip()
    retry_after = citizen.limiter.check(client_of(request, citizen.client_header), number)
    if retry_after is not None:
        raise RateLimited(
            retry_after,
            f"Too many tracking queries; try again in {math.ceil(retry_after)} seconds. "
            "If you keep seeing this, check the tracking number and the last four digits of your phone.",
        )
    answer = await citizen.service.answer(number, refresh=False) if 0 < len(number) <= 64 else None
    expected = answer.phone_tail if answer is not None else "----"
    if answer is None or len(tail) != 4 or not hmac.compare_digest(expected.encode(), tail.encode()):
        citizen.limiter.wrong_tail(number)
        raise ApiError(404, "not_found", NOT_FOUND)
    if refresh:
        return await citizen.service.answer(number) or answer
    return answer
