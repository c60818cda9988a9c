"""`certpost verify FILE`: is this PDF a genuine, intact, unrevoked certificate from this authority?

The signature is checked offline against the configured trust roots; revocation comes from this service's
database (the same configuration as `serve`). When the database cannot be reached the answer is not
"genuine": a revoked licence must never pass because the check was skipped.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from delivery.config import Settings

if TYPE_CHECKING:
    from delivery.domain.verdict import Record

__all__ = ["EXIT_GENUINE", "EXIT_NOT_GENUINE", "EXIT_NO_DATABASE", "EXIT_UNREADABLE", "verify_file"]

EXIT_GENUINE, EXIT_NOT_GENUINE, EXIT_UNREADABLE, EXIT_NO_DATABASE = 0, 1, 2, 3
_DB_TIMEOUT = 15.0


def _yes(flag: bool) -> str:
    return "yes" if flag else "NO"


def verify_file(path: Path, settings: Settings) -> int:
    from certificates import verify_pdf
    from delivery.app import issuer_of
    from delivery.domain.verdict import judge
    from delivery.signing_setup import signing_setup

    try:
        pdf = path.read_bytes()
    except OSError as e:
        print(f"cannot read {path}: {e.strerror}")
        return EXIT_UNREADABLE
    setup = signing_setup(settings, issuer_of(settings).name)
    result = verify_pdf(pdf, setup.trust_roots)
    record: Record | None = None
    database_error = ""
    if result.identifier:
        try:
            record = asyncio.run(asyncio.wait_for(_record(settings, result.identifier), _DB_TIMEOUT))
        except Exception as e:  # any failure to ask the database means revocation is unknown
            database_error = str(e) or type(e).__name__
    verdict = judge(result, record)
    print(f"file:        {path}")
    print(f"identifier:  {verdict.identifier or '-'}")
    print(f"holder:      {verdict.holder or '-'}")
    print(f"issuer:      {verdict.issuer or '-'}")
    print(f"signed at:   {verdict.signed_at.isoformat() if verdict.signed_at else '-'}")
    if verdict.timestamp:
        print(f"timestamp:   {verdict.timestamp.isoformat()} ({verdict.timestamp_authority})")
    print(f"signed:      {_yes(verdict.signed)}")
    print(f"intact:      {_yes(verdict.intact)}")
    print(f"valid:       {_yes(verdict.valid)}")
    print(f"trusted:     {_yes(verdict.trusted)}")
    if database_error:
        print(f"revoked:     UNKNOWN — the database cannot be reached: {database_error}")
    elif verdict.revoked:
        when = verdict.revoked_at.isoformat() if verdict.revoked_at else "?"
        print(f"revoked:     YES, on {when}: {verdict.revocation_reason}")
    else:
        print("revoked:     no")
    for problem in verdict.problems:
        print(f"problem:     {problem}")
    genuine = verdict.genuine and not database_error
    print("result:      " + ("GENUINE" if genuine else "NOT VERIFIED"))
    if database_error:
        return EXIT_NO_DATABASE
    return EXIT_GENUINE if genuine else EXIT_NOT_GENUINE


async def _record(settings: Settings, identifier: str) -> Record | None:
    from certificates import load_types
    from delivery.app import templates_dir
    from delivery.services.verification import record_of
    from delivery.storage.database import database
    from delivery.storage.models import Certificate

    async with database(settings.database_url):
        cert = await Certificate.filter(identifier=identifier).first()
        return record_of(cert, load_types(templates_dir(settings))) if cert is not None else None
