"""The composition root: builds one replica of the service from its settings.

Each long-lived resource (database, carrier adapters, signing pool, scheduler) is one cleanup context,
opened in order on start and closed in reverse on shutdown.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path

from aiohttp import web

from certificates import CertificateProducer, ensure_dev_keys, find_cjk_font, load_types
from couriers import Address, Courier, registry
from delivery.config import Settings
from delivery.services.certificates import CertificateService, Issuer
from delivery.services.pushes import PushIngest
from delivery.storage.database import database
from delivery.storage.shipments import ShipmentRepository
from delivery.web import certificates_api, health, tracking_api, webhooks
from delivery.web.errors import error_middleware
from delivery.web.keys import SERVICES, SETTINGS
from delivery.web.services import Services
from scheduler import BackgroundJobs, BookingJob, PollIntervals, PollJob

__all__ = ["build_couriers", "create_app", "issuer_of", "poll_intervals"]

log = logging.getLogger(__name__)


def create_app(settings: Settings, *, run_jobs: bool = True) -> web.Application:
    app = web.Application(
        middlewares=[error_middleware],
        client_max_size=int(settings.section("server")["max_body_bytes"]),
    )
    app[SETTINGS] = settings
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_services)
    if run_jobs:
        app.cleanup_ctx.append(_background_jobs)
    for module in (health, certificates_api, tracking_api, webhooks):
        app.router.add_routes(module.routes)
    return app


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


def webhook_url(settings: Settings) -> Callable[[str], str]:
    """Where carriers push to: the public URL the operator configured, per carrier code."""
    public_url = settings.public_url
    return lambda code: f"{public_url}/webhooks/{code}"


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
    settings = app[SETTINGS]
    issuer = issuer_of(settings)
    certs = settings.section("certificates")
    types = load_types(templates_dir(settings))
    font = find_cjk_font(str(certs.get("font_path") or "") or None)
    keys = ensure_dev_keys(settings.data_dir / "keys", issuer.name)
    couriers = build_couriers(settings)
    intervals = {code: poll_intervals(settings, courier) for code, courier in couriers.items()}
    hall = settings.section("hall")
    shipments = ShipmentRepository(
        hall=hall_address(settings),
        pickup_window=timedelta(hours=float(hall["pickup_window_hours"])),
        first_poll_delay=timedelta(seconds=settings.tracking("poll_awaiting_pickup_seconds")),
    )
    producer = CertificateProducer(keys, font, workers=int(settings.section("signing")["workers"]))
    public_url = settings.public_url
    service = CertificateService(
        types=types,
        producer=producer,
        pdf_dir=settings.data_dir / "pdf",
        issuer=issuer,
        verify_url=lambda identifier: f"{public_url}/verify/{identifier}",
        couriers=couriers,
        shipments=shipments,
        callback_url=webhook_url(settings),
        booking_timeout=settings.tracking("booking_timeout_seconds"),
        lease=timedelta(seconds=settings.tracking("lease_seconds")),
    )
    app[SERVICES] = Services(
        couriers=couriers,
        intervals=intervals,
        producer=producer,
        shipments=shipments,
        certificates=service,
        pushes=PushIngest(couriers, shipments, intervals),
    )
    try:
        yield
    finally:
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
    )
    booking = BookingJob(
        services.shipments,
        services.couriers,
        callback_url=webhook_url(settings),
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
