"""`certpost doctor`: what an operator at 3 a.m. needs to know — is each part of the service usable?"""

from __future__ import annotations

from datetime import UTC, datetime

from delivery.config import Settings

__all__ = ["run_doctor"]


async def run_doctor(settings: Settings) -> int:
    from certificates import CertificateError, describe_key, find_cjk_font, load_timestamper, load_types
    from couriers import CourierError
    from delivery.app import build_couriers, issuer_of, templates_dir, webhook_url
    from delivery.cli import _redact
    from delivery.signing_setup import signing_setup
    from delivery.storage.database import database, dialect
    from delivery.storage.inbox import count_failed_pushes, count_pending_pushes

    failures = 0

    def report(ok: bool, what: str, detail: str) -> None:
        nonlocal failures
        failures += not ok
        print(f"[{'ok' if ok else 'FAIL'}] {what}: {detail}")

    report(True, "data directory", str(settings.data_dir))
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        async with database(settings.database_url):
            report(True, "database", f"{_redact(settings.database_url)} ({dialect()}, schema up to date)")
            failed = await count_failed_pushes()
            pending = await count_pending_pushes()
            report(failed == 0, "webhook inbox", f"{pending} pending, {failed} parked as failed")
    except Exception as e:
        report(False, "database", f"{_redact(settings.database_url)}: {e}")
    certs = settings.section("certificates")
    try:
        report(True, "font", str(find_cjk_font(str(certs.get("font_path") or "") or None)))
    except CertificateError as e:
        report(False, "font", str(e))
    try:
        types = load_types(templates_dir(settings))
        report(True, "certificate types", ", ".join(f"{t.code} ({t.name})" for t in types.values()))
    except CertificateError as e:
        report(False, "certificate types", str(e))
    issuer = issuer_of(settings)
    try:
        setup = signing_setup(settings, issuer.name)
        info = describe_key(setup.material)
        left = (info.not_after - datetime.now(UTC)).days
        report(
            left > 0,
            "signing key",
            f"{setup.source} key {setup.material.key_path} ({info.algorithm}) — {info.subject}, "
            f"expires {info.not_after:%Y-%m-%d}" + (f" (in {left} days)" if left < 60 else ""),
        )
        if setup.source == "development":
            print(
                "       development keys are for trying certpost out; set signing.key_path/cert_path "
                "or signing.pkcs12_path for production"
            )
        if not setup.trust_roots:
            report(False, "trust root", "signing.root_path is not set: verification will say 'not trusted'")
        load_timestamper(setup.tsa_url)
        report(
            True, "timestamps", setup.tsa_url or "no signing.tsa_url: signatures carry no RFC 3161 timestamp"
        )
    except CertificateError as e:
        report(False, "signing key", str(e))
    report(True, "issuer", f"{issuer.name} ({issuer.code})")
    report(True, "public URL", settings.public_url)
    try:
        couriers = build_couriers(settings)
    except CourierError as e:
        report(False, "carriers", str(e))
        return 1
    push_to = webhook_url(settings, couriers)
    for courier in couriers.values():
        caps = courier.capabilities
        how = "pushes to " + push_to(courier.code) if caps.push else "no pushes: polled only"
        limits = f"{caps.track_batch_size} per query, {caps.rate_limit_per_second:g}/s"
        report(True, f"carrier {courier.code}", f"{courier.name}; {how}; {limits}")
        await courier.close()
    return 1 if failures else 0
