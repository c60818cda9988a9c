"""Refusing to run pyHanko's synchronous entry points on an event loop thread.

pyHanko's sync ``sign_pdf`` and ``validate_pdf_signature`` call ``asyncio.run``, which fails on a thread that
already runs a loop — after having created a coroutine that then warns it was never awaited. Checking first
gives the caller one clear error that says what to do instead.
"""

from __future__ import annotations

import asyncio

from .errors import CertificateError

__all__ = ["ensure_no_running_loop"]


def ensure_no_running_loop(what: str) -> None:
    """Raise :class:`CertificateError` if called from a thread with a running event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise CertificateError(
        f"{what} is synchronous and cannot run on an event loop thread; "
        "use CertificateProducer or run it in an executor"
    )
