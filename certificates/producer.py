"""Producing signed certificate PDFs from async code without blocking the event loop.

Rendering and signing are CPU-bound, and pyHanko's synchronous signing runs its own event loop, so both
happen in a process pool. Each worker process loads the signer and registers the fonts once, in the pool's
initializer, and keeps them for every certificate it produces after that; the event loop only pickles the
document over and the PDF bytes back. Workers are started with the ``spawn`` method: forking a process that
runs an event loop and threads copies their locks in whatever state they happen to be.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from pyhanko.sign.signers.pdf_cms import Signer
from pyhanko.sign.timestamps import TimeStamper

from .document import CertificateDocument
from .errors import CertificateError
from .keys import KeyMaterial
from .render import render_pdf, seal_box
from .signing import load_signer, load_timestamper, sign_pdf_bytes
from .typeset import register_fonts

__all__ = ["CertificateProducer", "produce_in_process"]


@dataclass
class _Worker:
    signer: Signer | None
    font_path: Path
    timestamper: TimeStamper | None = None
    failure: BaseException | None = None


# One per worker process, set by the pool initializer: the executor API offers no other place to keep
# per-process state, and it is what makes the signer and the font load once instead of per certificate.
_worker: _Worker | None = None


def _init_worker(material: KeyMaterial, font_path: Path, tsa_url: str | None = None) -> None:
    """Load the signer, font and time-stamping client once per process.

    A failure is kept and reported by every call instead of raised here, which would break the whole pool
    and hide the cause behind ``BrokenProcessPool``.
    """
    global _worker
    try:
        register_fonts(font_path)
        _worker = _Worker(load_signer(material), font_path, load_timestamper(tsa_url))
    except Exception as e:
        _worker = _Worker(None, font_path, None, e)


def produce_in_process(doc: CertificateDocument) -> bytes:
    """Render and sign ``doc`` with the worker's signer (runs inside a pool worker)."""
    if _worker is None:
        raise CertificateError("certificate worker was not initialised")
    if _worker.failure is not None or _worker.signer is None:
        raise CertificateError(f"certificate worker could not start: {_worker.failure}") from _worker.failure
    pdf = render_pdf(doc, _worker.font_path)
    return sign_pdf_bytes(pdf, _worker.signer, field_box=seal_box(doc.type), timestamper=_worker.timestamper)


class CertificateProducer:
    """Renders and signs certificates in ``workers`` processes; use ``async with`` or call :meth:`close`.

    With ``tsa_url`` every signature carries an RFC 3161 timestamp from that authority (PAdES B-T).
    """

    def __init__(
        self, material: KeyMaterial, font_path: Path, workers: int = 1, *, tsa_url: str | None = None
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        load_timestamper(tsa_url)  # a malformed URL is a start-up error, not one per certificate
        self._tsa_url = tsa_url
        self._material = material
        self._font_path = Path(font_path)
        self._workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._closed = False

    def _ensure_pool(self) -> ProcessPoolExecutor:
        if self._closed:
            raise CertificateError("certificate producer is closed")
        if self._pool is None:
            # created lazily: constructing the producer stays cheap and side-effect free
            self._pool = ProcessPoolExecutor(
                max_workers=self._workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(self._material, self._font_path, self._tsa_url),
            )
        return self._pool

    async def produce(self, doc: CertificateDocument) -> bytes:
        """Return the signed PDF for ``doc``; the library's errors (``DocumentError`` …) pass through."""
        pool = self._ensure_pool()
        return await asyncio.get_running_loop().run_in_executor(pool, produce_in_process, doc)

    async def close(self) -> None:
        """Stop the workers, waiting for running jobs, without blocking the event loop while they finish."""
        self._closed = True
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, True)

    async def __aenter__(self) -> CertificateProducer:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()
