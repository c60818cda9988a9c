"""The composition root: builds one replica of the service from its settings.

Each long-lived resource (database, carrier adapters, signing pool, scheduler) is one cleanup context,
opened in order on start and closed in reverse on shutdown.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from aiohttp import web

from certificates import CertificateProducer, find_cjk_font, load_types
from couriers import Address, Courier, registry
from delivery.config import Settings
from delivery.services.certificates import CertificateService, Issuer
from delivery.services.deliveries import DeliveryService
from delivery.services.live import ChangeFeed
from delivery.services.pushes import PushIngest
from delivery.services.tracking import TrackingService
from delivery.services.verification import VerificationService
from delivery.signing_setup import signing_setup
from delivery.storage.database import database
from delivery.storage.shipments import ShipmentRepository
from delivery.web import (
    certificates_api,
    deliveries_api,
    health,
    shipments_api,
    stream_api,
    tracking_api,
    verification_api,
    webhooks,
)
from delivery.web.citizen import CitizenTracking
from delivery.web.errors import error_middleware
from delivery.web.keys import CITIZEN, OPEN_STREAMS, SERVICES, SETTINGS
from delivery.web.ratelimit import TrackingLimits, TrackingRateLimiter
from delivery.web.services import Services
from scheduler import BackgroundJobs, BookingJob, PollIntervals, PollJob, pacers_for

__all__ = ["build_couriers", "create_app", "issuer_of", "open_services", "poll_intervals"]

log = logging.getLogger(__name__)


def create_app(settings: Settings, *, run_jobs: bool = True) -> web.Application:
    app = web.Application(
        middlewares=[error_middleware],
        client_max_size=int(settings.section("server")["max_body_bytes"]),
    )
    app[SETTINGS] = settings
    app[OPEN_STREAMS] = set()
    app.on_shutdown.append(stream_api.close_streams)
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_services)
    app.cleanup_ctx.append(_citizen_tracking)
    if run_jobs:
        app.cleanup_ctx.append(_background_jobs)
    for module in (health, certificates_api, deliveries_api, tracking_api, verification_api, webhooks):
        app.router.add_routes(module.routes)
    for module in (stream_api, shipments_api):
        app.router.add_routes(module.routes)
    return app


async def _citizen_tracking(app: web.Application) -> AsyncIterator[None]:
    """The read model, live queries, change feed and rate limits behind the citizen routes."""
    settings, services = app[SETTINGS], app[SERVICES]
    t = settings.tracking
    pacers = pacers_for({c: k.capabilities.rate_limit_per_second for c, k in services.couriers.items()})
    tracking = TrackingService(
        services.shipments,
        services.couriers,
        services.intervals,
        pacers,
        fresh=timedelta(seconds=t("fresh_seconds")),
        live_timeout=t("live_timeout_seconds"),
        cache_size=int(t("cache_size")),
    )
    feed = ChangeFeed(on_remote_change=tracking.invalidate)
    tracking.add_publisher(feed.publish)
    limits = TrackingLimits(
        wrong_tail_limit=int(t("wrong_tail_limit")),
        wrong_tail_window=t("wrong_tail_window_seconds"),
        numbers_per_client=int(t("numbers_per_client")),
        client_window=t("client_window_seconds"),
    )
    app[CITIZEN] = CitizenTracking(
        service=tracking,
        feed=feed,
        limiter=TrackingRateLimiter(limits),
        client_header=str(settings.section("tracking").get("client_ip_header") or ""),
        stream_ping_seconds=t("stream_ping_seconds"),
        stream_recheck_seconds=t("fresh_seconds"),
    )
    await feed.start(settings.database_url)
    try:
        yield
    finally:
        await feed.close()


async def _database(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    async with database(settings.database_url, upgrade=True):
        yield


def build_couriers(settings: Settings) -> dict[str, Courier]:
    registry.load_entry_points()
    return {code: registry.create(code, config) for code, config in settings.couriers.items()}


def poll_intervals(settings: Settings, courier: Courier) -> PollIntervals:
    t = settings.tracking
    return PollIntervals(
        awaiting_pickup=timedelta(seconds=t("poll_awaiting_pickup_seconds")),
        moving=timedelta(seconds=t("poll_moving_seconds")),
        out_for_delivery=timedelta(seconds=t("poll_out_for_delivery_seconds")),
        locker=timedelta(seconds=t("poll_locker_seconds")),
        problem=timedelta(seconds=t("poll_problem_seconds")),
        push_slowdown=t("push_slowdown") if courier.capabilities.push else 1.0,
        expire_after=timedelta(days=t("expire_days")),
        retry_base=timedelta(seconds=t("retry_base_seconds")),
        retry_max=timedelta(seconds=t("retry_max_seconds")),
        carrier_minimum=courier.capabilities.min_query_interval or timedelta(0),
    )


def issuer_of(settings: Settings) -> Issuer:
    from certificates import DEV_ISSUER_CODE

    section = settings.section("issuer")
    return Issuer(name=str(section["name"]), code=str(section.get("code") or DEV_ISSUER_CODE))


def webhook_url(settings: Settings, couriers: Mapping[str, Courier]) -> Callable[[str], str]:
    """Where each carrier pushes to: the configured public URL, plus the adapter's secret path if any."""
    public_url = settings.public_url

    def url(code: str) -> str:
        courier = couriers.get(code)
        return f"{public_url}/webhooks/{code}{courier.webhook_path() if courier else ''}"

    return url


def hall_address(settings: Settings) -> Address:
    hall = settings.section("hall")
    return Address(
        str(hall["contact"]) + "（" + str(hall["name"]) + "）",
        str(hall["phone"]),
        str(hall["province"]),
        str(hall["city"]),
        str(hall["county"]),
        str(hall["address"]),
    )


async def _services(app: web.Application) -> AsyncIterator[None]:
    async with open_services(app[SETTINGS]) as services:
        app[SERVICES] = services
        yield


@asynccontextmanager
async def open_services(settings: Settings) -> AsyncIterator[Services]:
    """The replica's services on an open database; also used by CLI commands that work without HTTP.

    The font and key are checked first, so a missing CJK font stops the start with the font's message
    instead of producing licences with boxes where the Chinese text should be.
    """
    issuer = issuer_of(settings)
    certs = settings.section("certificates")
    types = load_types(templates_dir(settings))
    font = find_cjk_font(str(certs.get("font_path") or "") or None)
    signing = signing_setup(settings, issuer.name)
    couriers = build_couriers(settings)
    intervals = {code: poll_intervals(settings, courier) for code, courier in couriers.items()}
    hall = settings.section("hall")
    shipments = ShipmentRepository(
        hall=hall_address(settings),
        pickup_window=timedelta(hours=float(hall["pickup_window_hours"])),
        first_poll_delay=timedelta(seconds=settings.tracking("poll_awaiting_pickup_seconds")),
    )
    producer = CertificateProducer(
        signing.material,
        font,
        workers=int(settings.section("signing")["workers"]),
        tsa_url=signing.tsa_url,
    )
    public_url = settings.public_url
    service = CertificateService(
        types=types,
        producer=producer,
        pdf_dir=settings.data_dir / "pdf",
        issuer=issuer,
        verify_url=lambda identifier: f"{public_url}/verify/{identifier}",
        couriers=couriers,
        shipments=shipments,
        callback_url=webhook_url(settings, couriers),
        booking_timeout=settings.tracking("booking_timeout_seconds"),
        lease=timedelta(seconds=settings.tracking("lease_seconds")),
    )
    services = Services(
        couriers=couriers,
        intervals=intervals,
        producer=producer,
        shipments=shipments,
        certificates=service,
        pushes=PushIngest(couriers, shipments, intervals, callback_url=webhook_url(settings, couriers)),
        verification=VerificationService(signing.trust_roots, types),
        deliveries=DeliveryService(couriers, shipments),
    )
    try:
        yield services
    finally:
        await services.pushes.close()
        for courier in couriers.values():
            await courier.close()
        await producer.close()


def templates_dir(settings: Settings) -> Path | None:
    """The configured template directory (which must exist), else `<data_dir>/templates` when present."""
    configured = settings.section("certificates").get("templates_dir")
    if configured:
        return Path(str(configured)).expanduser()
    default = settings.data_dir / "templates"
    return default if default.is_dir() else None


async def _background_jobs(app: web.Application) -> AsyncIterator[None]:
    settings, services = app[SETTINGS], app[SERVICES]
    lease = timedelta(seconds=settings.tracking("lease_seconds"))
    tick = settings.tracking("poll_tick_seconds")
    jobs = BackgroundJobs()
    poll = PollJob(
        services.shipments,
        services.couriers,
        services.intervals,
        lease=lease,
        batch=int(settings.tracking("poll_batch")),
        pacers=app[CITIZEN].service.pacers,
    )
    booking = BookingJob(
        services.shipments,
        services.couriers,
        callback_url=webhook_url(settings, services.couriers),
        timeout=settings.tracking("booking_timeout_seconds"),
        lease=lease,
        retry_base=timedelta(seconds=settings.tracking("retry_base_seconds")),
        retry_max=timedelta(seconds=settings.tracking("retry_max_seconds")),
    )
    jobs.every(tick, "poll", poll.run)
    jobs.every(tick, "booking", booking.run)
    jobs.every(tick, "inbox", lambda: services.pushes.process_pending_pushes(100))
    jobs.start()
    yield
    jobs.shutdown()
