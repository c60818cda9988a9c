"""The PAdES CMS signature container for a document digest, built by pyHanko.

pyHanko decides what goes into the container (content type, message digest, ESS signing-certificate-v2,
no signing time for PAdES, the RFC 3161 token as an unsigned attribute) and does the signing; this module
only avoids one avoidable cost. asn1crypto never clears the "mutated" mark of a structure built in Python,
so every time a parent asks for its bytes it encodes it again, and the cost of dumping grows exponentially
with nesting depth. pyHanko builds the signing-certificate-v2 attribute (which nests the issuer's name
several levels deep) afresh for every signature: ~10 ms of the ~25 ms a container costs. That attribute
depends only on the signer's certificate, so pyHanko builds it once per signer here and later signatures
reuse it parsed back from DER, which asn1crypto dumps by copying bytes. The signed attributes are frozen the
same way before pyHanko signs and packages them.
"""

from __future__ import annotations

import asyncio
import atexit
import threading
import weakref
from collections.abc import Coroutine, Iterable
from typing import Any, TypeVar

from asn1crypto import cms, tsp
from pyhanko.sign.attributes import CMSAttributeProvider, SigningCertificateV2Provider
from pyhanko.sign.signers.pdf_cms import (
    CAdESSignedAttributeProviderSpec,
    PdfCMSSignedAttributes,
    Signer,
    format_signed_attributes,
)
from pyhanko.sign.timestamps import TimeStamper

__all__ = ["DIGEST_ALGORITHM", "pades_cms"]

DIGEST_ALGORITHM = "sha256"

_T = TypeVar("_T")


class _OnceBuiltSigningCertificate(SigningCertificateV2Provider):
    """pyHanko's signing-certificate-v2 provider, evaluated once and served from its DER encoding."""

    def __init__(self, provider: SigningCertificateV2Provider, der: bytes) -> None:
        super().__init__(provider.signing_cert)
        self._der = der

    async def build_attr_value(self, dry_run: bool = False) -> tsp.SigningCertificateV2:
        return tsp.SigningCertificateV2.load(self._der)


class _PreparedProviders:
    """pyHanko's PAdES signed-attribute providers for one signer, with the certificate's attribute cached."""

    def __init__(self, signer: Signer) -> None:
        self._spec = CAdESSignedAttributeProviderSpec(
            attr_settings=PdfCMSSignedAttributes(),
            signing_cert=signer.signing_cert,
            is_pades=True,
            timestamper=None,
        )
        self._certificate: _OnceBuiltSigningCertificate | None = None

    async def providers(self, digest: bytes) -> list[CMSAttributeProvider]:
        out: list[CMSAttributeProvider] = []
        for provider in self._spec.signed_attr_providers(digest, DIGEST_ALGORITHM):
            if isinstance(provider, SigningCertificateV2Provider):
                if self._certificate is None:
                    value = await provider.build_attr_value()
                    self._certificate = _OnceBuiltSigningCertificate(provider, value.dump())
                provider = self._certificate
            out.append(provider)
        return out


_prepared: weakref.WeakKeyDictionary[Signer, _PreparedProviders] = weakref.WeakKeyDictionary()


async def _container(signer: Signer, digest: bytes, timestamper: TimeStamper | None) -> bytes:
    prepared = _prepared.get(signer)
    if prepared is None:
        prepared = _prepared[signer] = _PreparedProviders(signer)
    providers: Iterable[CMSAttributeProvider] = await prepared.providers(digest)
    signed = await format_signed_attributes(digest, attr_provs=list(providers))
    frozen = cms.CMSAttributes.load(signed.dump())
    info = await signer.async_sign_prescribed_attributes(DIGEST_ALGORITHM, frozen, timestamper=timestamper)
    return bytes(info.dump())


_main_runner: asyncio.Runner | None = None


def _run(coro: Coroutine[Any, Any, _T]) -> _T:
    """Run ``coro`` to completion from synchronous code.

    A worker process signs on its main thread, certificate after certificate: it keeps one loop for that
    (``asyncio.run`` builds and tears down a loop per call, 0.2 ms). Other threads get a fresh loop each
    time, so no loop outlives the thread that ran it.
    """
    global _main_runner
    if threading.current_thread() is not threading.main_thread():
        return asyncio.run(coro)
    if _main_runner is None:
        _main_runner = asyncio.Runner()
        atexit.register(_main_runner.close)
    return _main_runner.run(coro)


def pades_cms(signer: Signer, digest: bytes, timestamper: TimeStamper | None = None) -> bytes:
    """The DER CMS SignedData (ETSI.CAdES.detached) over a SHA-256 ``digest`` of the signed byte ranges.

    Synchronous: call it where no event loop runs (the producer's workers, or a thread).
    """
    return _run(_container(signer, digest, timestamper))
