"""Signed sample PDFs on disk for the poppler and qpdf checks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from certificates.document import CertificateDocument
from certificates.fonts import find_cjk_font
from certificates.keys import KeyMaterial, ensure_dev_keys
from certificates.render import render_pdf, seal_box
from certificates.samples import sample_document
from certificates.signing import load_signer, sign_pdf_bytes
from certificates.types import load_types

TOOLS = ("pdffonts", "pdftotext", "pdfsig", "pdftoppm", "qpdf")


@pytest.fixture(scope="session", autouse=True)
def _tools() -> None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"install poppler-utils and qpdf to run these checks (missing: {', '.join(missing)})")


@pytest.fixture(scope="session")
def dev_keys(tmp_path_factory: pytest.TempPathFactory) -> KeyMaterial:
    return ensure_dev_keys(tmp_path_factory.mktemp("keys"), "杭州市西湖区行政审批局")


@pytest.fixture(scope="session", params=["food_business_licence", "approval_notice"])
def document(request: pytest.FixtureRequest) -> CertificateDocument:
    return sample_document(load_types()[request.param])


@pytest.fixture(scope="session")
def signed_file(
    document: CertificateDocument, dev_keys: KeyMaterial, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    pdf = render_pdf(document, find_cjk_font(None))
    signed = sign_pdf_bytes(pdf, load_signer(dev_keys), field_box=seal_box(document.type))
    path = tmp_path_factory.mktemp("pdf") / f"{document.type.code}.pdf"
    path.write_bytes(signed)
    return path
