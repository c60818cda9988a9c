"""`certpost doctor`: what an operator at 3 a.m. needs to know — is each part of the service usable?"""

from __future__ import annotations

from cryptography import x509

from delivery.config import Settings

__all__ = ["run_doctor"]


async def run_doctor(settings: Settings) -> int:
    from certificates import CertificateError, ensure_dev_keys, find_cjk_font, load_types
    from delivery.app import build_couriers, issuer_of, templates_dir
    from delivery.cli import _redact
    from delivery.storage.database import database, dialect

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
        keys = ensure_dev_keys(settings.data_dir / "keys", issuer.name)
        if keys.cert_path is not None:
            cert = x509.load_pem_x509_certificate(keys.cert_path.read_bytes())
            report(
                True,
                "signing key",
                f"{keys.key_path} — {cert.subject.rfc4514_string()}, "
                f"expires {cert.not_valid_after_utc:%Y-%m-%d} (development key)",
            )
    except CertificateError as e:
        report(False, "signing key", str(e))
    report(True, "issuer", f"{issuer.name} ({issuer.code})")
    try:
        couriers = build_couriers(settings)
        report(True, "carriers", ", ".join(f"{c.code} ({c.name})" for c in couriers.values()))
        for courier in couriers.values():
            await courier.close()
    except Exception as e:
        report(False, "carriers", str(e))
    report(
        True, "public URL", f"{settings.public_url} (carriers push to {settings.public_url}/webhooks/<code>)"
    )
    return 1 if failures else 0
