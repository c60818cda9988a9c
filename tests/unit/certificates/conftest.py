"""Fixtures shared by the certificate library's unit tests: types, the font, dev keys and signed samples."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyhanko.sign.signers.pdf_cms import SimpleSigner

from certificates.document import CertificateDocument
from certificates.fonts import find_cjk_font
from certificates.keys import KeyMaterial, ensure_dev_keys
from certificates.render import render_pdf, seal_box
from certificates.samples import sample_document
from certificates.signing import load_signer, sign_pdf_bytes
from certificates.types import CertificateType, load_types

ISSUER = "杭州市西湖区行政审批局"
BUILTIN_CODES = ("food_business_licence", "approval_notice")


@pytest.fixture(scope="session")
def types() -> dict[str, CertificateType]:
    return load_types()


@pytest.fixture(scope="session")
def font_path() -> Path:
    return find_cjk_font(None)


@pytest.fixture(params=BUILTIN_CODES)
def document(request: pytest.FixtureRequest, types: dict[str, CertificateType]) -> CertificateDocument:
    return sample_document(types[request.param], issuer_name=ISSUER)


@pytest.fixture(scope="session")
def dev_keys(tmp_path_factory: pytest.TempPathFactory) -> KeyMaterial:
    return ensure_dev_keys(tmp_path_factory.mktemp("keys"), ISSUER)


@pytest.fixture(scope="session")
def signer(dev_keys: KeyMaterial) -> SimpleSigner:
    return load_signer(dev_keys)


@pytest.fixture
def signed_pdf(document: CertificateDocument, font_path: Path, signer: SimpleSigner) -> bytes:
    return sign_pdf_bytes(render_pdf(document, font_path), signer, field_box=seal_box(document.type))
