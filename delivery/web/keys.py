"""Typed application keys: each long-lived resource is stored under exactly one of these."""

from __future__ import annotations

from aiohttp import web
from aiohttp_sse import EventSourceResponse

from delivery.config import Settings
from delivery.web.citizen import CitizenTracking
from delivery.web.services import Services

__all__ = ["CITIZEN", "OPEN_STREAMS", "SERVICES", "SETTINGS"]

SETTINGS = web.AppKey("settings", Settings)
SERVICES = web.AppKey("services", Services)
CITIZEN = web.AppKey("citizen", CitizenTracking)
#: Tracking streams being served, so shutdown can end them instead of waiting for each client to leave.
OPEN_STREAMS: web.AppKey[set[EventSourceResponse]] = web.AppKey("open_streams")
