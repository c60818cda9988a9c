"""PAdES signing of rendered certificates with pyHanko.

Synchronous on purpose: pyHanko's ``sign_pdf`` runs its own event loop (``asyncio.run``) and therefore
cannot be called from a running loop. It is called in the producer's worker processes, which have no loop;
async code reaches it only through :class:`certificates.producer.CertificateProducer`.
"""

from __future__ import annotations

import io

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_cms import Signer, SimpleSigner
from pyhanko.stamp.static import StaticStampStyle

from .errors import KeyMaterialError
from .keys import KeyMaterial
from .loopguard import ensure_no_running_loop

__all__ = ["SIGNATURE_FIELD", "load_signer", "sign_pdf_bytes"]

SIGNATURE_FIELD = "IssuerSignature"

# An appearance that draws nothing: the widget still gets the /AP stream viewers and PDF/A expect, and the
# seal printed underneath stays visible instead of being covered by pyHanko's default text box (whose
# Courier font would also be the document's only non-embedded font).
_TRANSPARENT = StaticStampStyle(border_width=0, background=None)


def load_signer(material: KeyMaterial) -> SimpleSigner:
    """Load the key and certificates named by ``material`` into a pyHanko signer (once per worker)."""
    chain = [str(path) for path in material.chain_paths]
    for path in (material.key_path, material.cert_path, *material.chain_paths):
        if path is not None and not path.is_file():
            raise KeyMaterialError(f"signing key material {path} does not exist")
    if material.kind == "pkcs12":
        signer = SimpleSigner.load_pkcs12(
            str(material.key_path), ca_chain_files=chain or None, passphrase=material.passphrase
        )
    else:
        signer = SimpleSigner.load(
            str(material.key_path),
            str(material.cert_path),
            ca_chain_files=chain or None,
            key_passphrase=material.passphrase,
        )
    if signer is None:  # pyHanko logs the cause and returns None instead of raising
        raise KeyMaterialError(f"pyHanko could not load the signing key material at {material.key_path}")
    return signer


def sign_pdf_bytes(
    pdf: bytes,
    signer: Signer,
    *,
    field_box: tuple[int, int, int, int] | None = None,
    reason: str = "电子证照签发",
    location: str | None = None,
) -> bytes:
    """Return ``pdf`` with one PAdES (ETSI.CAdES.detached) signature appended as an incremental update.

    With ``field_box`` (x1, y1, x2, y2 on page 1, see :func:`certificates.render.seal_box`) the signature
    field is visible and sits on the drawn seal; its own appearance is left empty so the seal shows through.
    Without it the signature is invisible.
    """
    ensure_no_running_loop("sign_pdf_bytes")
    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        location=location,
    )
    spec = fields.SigFieldSpec(sig_field_name=SIGNATURE_FIELD, on_page=0, box=field_box)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    pdf_signer = signers.PdfSigner(meta, signer=signer, new_field_spec=spec, stamp_style=_TRANSPARENT)
    out = io.BytesIO()
    pdf_signer.sign_pdf(writer, output=out)
    return out.getvalue()
