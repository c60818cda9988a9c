"""certpost's certificate library: types, identifiers, rendering, signing and verification of licences.

Usable without the service (it never imports ``delivery`` or ``scheduler``). The usual path::

    types = load_types()
    material = ensure_dev_keys(data_dir / "keys", "某某市行政审批局")
    font = find_cjk_font(config.font_path)
    async with CertificateProducer(material, font, workers=2) as producer:
        pdf = await producer.produce(CertificateDocument(...))
    verify_pdf(pdf, material.trust_roots)   # sync: run it in an executor from async code
"""

from .document import CHINA_TIME, CertificateDocument
from .errors import (
    CertificateError,
    DocumentError,
    FontMissingError,
    IdentifierError,
    KeyMaterialError,
    TemplateError,
)
from .fonts import find_cjk_font
from .identifier import DEV_ISSUER_CODE, LicenceIdentifier, make_identifier, parse_identifier
from .keys import KeyInfo, KeyMaterial, describe_key, ensure_dev_keys, load_pem, load_pkcs12
from .producer import CertificateProducer
from .render import render_pdf, seal_box
from .samples import sample_document
from .signing import TimestampError, load_signer, load_timestamper, sign_pdf_bytes
from .types import CertificateType, FieldSpec, Layout, load_types
from .verify import VerificationResult, verify_pdf

__all__ = [
    "CHINA_TIME",
    "DEV_ISSUER_CODE",
    "CertificateDocument",
    "CertificateError",
    "CertificateProducer",
    "CertificateType",
    "DocumentError",
    "FieldSpec",
    "FontMissingError",
    "IdentifierError",
    "KeyInfo",
    "KeyMaterial",
    "KeyMaterialError",
    "Layout",
    "LicenceIdentifier",
    "TemplateError",
    "TimestampError",
    "VerificationResult",
    "describe_key",
    "ensure_dev_keys",
    "find_cjk_font",
    "load_pem",
    "load_pkcs12",
    "load_signer",
    "load_timestamper",
    "load_types",
    "make_identifier",
    "parse_identifier",
    "render_pdf",
    "sample_document",
    "seal_box",
    "sign_pdf_bytes",
    "verify_pdf",
]
