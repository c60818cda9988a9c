"""Typed application keys: each long-lived resource is stored under exactly one of these."""

from __future__ import annotations

from aiohttp import web

from delivery.config import Settings
from delivery.web.citizen import CitizenTracking
from delivery.web.services import Services

__all__ = ["CITIZEN", "SERVICES", "SETTINGS"]

SETTINGS = web.AppKey("settings", Settings)
SERVICES = web.AppKey("services", Services)
CITIZEN = web.AppKey("citizen", CitizenTracking)
