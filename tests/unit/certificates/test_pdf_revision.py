"""What signing reads from a rendered certificate, and the PDFs it refuses instead of guessing at."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from pyhanko.sign.signers.pdf_cms import SimpleSigner

from certificates.errors import CertificateError
from certificates.keys import KeyMaterial
from certificates.pdf_revision import read_base_revision
from certificates.render import render_pdf, render_pdf_reportlab, seal_box
from certificates.samples import sample_document
from certificates.signing import sign_pdf_bytes
from certificates.types import CertificateType
from certificates.verify import verify_pdf


@pytest.fixture
def rendered(types: dict[str, CertificateType], font_path: Path) -> bytes:
    return render_pdf(sample_document(types["approval_notice"]), font_path)


def trailer_at(pdf: bytes) -> int:
    return pdf.rindex(b"trailer")


def in_trailer(pdf: bytes, old: bytes, new: bytes) -> bytes:
    at = trailer_at(pdf)
    assert old in pdf[at:]
    return pdf[:at] + pdf[at:].replace(old, new, 1)


def with_startxref(pdf: bytes, offset: int) -> bytes:
    return re.sub(rb"startxref\n\d+\n", b"startxref\n%d\n" % offset, pdf)


def table_at(pdf: bytes) -> int:
    return pdf.rindex(b"xref\n0 ")


def xref_entry_at(pdf: bytes, number: int) -> int:
    """Where the 20-byte entry of object ``number`` starts (one subsection from object 0)."""
    return pdf.index(b"\n", pdf.index(b"\n", table_at(pdf)) + 1) + 1 + 20 * number


def test_reads_what_the_update_needs(rendered: bytes) -> None:
    base = read_base_revision(rendered)
    objects = re.findall(rb"(?m)^(\d+) 0 obj", rendered)
    assert base.size == len(objects) + 1
    assert base.xref_offset == rendered.rindex(b"\nxref\n") + 1
    assert base.catalog.startswith(b"<<")
    assert b"/Type /Catalog" in base.catalog
    assert base.page.startswith(b"<<")
    assert b"/Type /Page " in base.page
    assert b"/Kids [%d 0 R]" % base.page_number in rendered
    assert base.info_number is not None
    assert re.fullmatch(rb"[0-9A-F]{32}", base.file_id)


def test_reportlabs_own_output_is_accepted_too(
    types: dict[str, CertificateType], font_path: Path, signer: SimpleSigner, dev_keys: KeyMaterial
) -> None:
    doc = sample_document(types["food_business_licence"])
    pdf = render_pdf_reportlab(doc, font_path)
    assert read_base_revision(pdf).size > 4
    assert verify_pdf(sign_pdf_bytes(pdf, signer, field_box=seal_box(doc.type)), dev_keys.trust_roots).ok


REFUSALS = [
    ("not a PDF", lambda pdf: b"this is not a pdf", "no startxref at the end"),
    ("truncated", lambda pdf: pdf[: len(pdf) // 2], "no startxref at the end"),
    (
        "startxref not at a table (an xref stream, say)",
        lambda pdf: with_startxref(pdf, pdf.index(b"1 0 obj")),
        "no classic cross-reference table",
    ),
    (
        "subsection header garbled",
        lambda pdf: pdf[: table_at(pdf) + 5] + b"A" + pdf[table_at(pdf) + 6 :],
        "malformed cross-reference subsection",
    ),
    (
        "entry garbled",
        lambda pdf: pdf[: xref_entry_at(pdf, 2) + 17] + b"x" + pdf[xref_entry_at(pdf, 2) + 18 :],
        "malformed cross-reference entry",
    ),
    ("trailer without /Root", lambda pdf: in_trailer(pdf, b"/Root", b"/Rxxx"), "no /Root or /Size"),
    ("encrypted", lambda pdf: in_trailer(pdf, b"/Info", b"/Encrypt"), "encrypted"),
    (
        "root not in the table",
        lambda pdf: in_trailer(pdf, b"/Root 1 0 R", b"/Root 99 0 R"),
        "object 99 is not in",
    ),
    (
        "offset of the catalog wrong",
        lambda pdf: pdf[: xref_entry_at(pdf, 1)] + b"%010d" % 100 + pdf[xref_entry_at(pdf, 1) + 10 :],
        "object 1 is not where the cross-reference table says",
    ),
    (
        "catalog is a stream",
        lambda pdf: in_trailer(pdf, b"/Root 1 0 R", b"/Root 5 0 R"),
        "not a plain dictionary",
    ),
    ("catalog without /Pages", lambda pdf: pdf.replace(b"/Pages 2 0 R", b"/Pagez 2 0 R", 1), "no /Pages"),
    ("page tree without pages", lambda pdf: pdf.replace(b"/Kids [3 0 R]", b"/Kids [     ]", 1), "no pages"),
]


@pytest.mark.parametrize(("change", "mutate", "reason"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_refuses_what_is_not_a_rendered_certificate(
    rendered: bytes, change: str, mutate: Callable[[bytes], bytes], reason: str
) -> None:
    with pytest.raises(CertificateError, match=reason) as refused:
        read_base_revision(mutate(rendered))
    assert "only PDFs written by render_pdf are signed" in str(refused.value)


def test_signing_refuses_them_with_the_same_error(rendered: bytes, signer: SimpleSigner) -> None:
    with pytest.raises(CertificateError, match="cannot sign this PDF: the catalog has no /Pages"):
        sign_pdf_bytes(rendered.replace(b"/Pages 2 0 R", b"/Pagez 2 0 R", 1), signer)


def test_a_signed_certificate_is_not_signed_again(signed_pdf: bytes, signer: SimpleSigner) -> None:
    with pytest.raises(CertificateError, match="changed since it was rendered"):
        sign_pdf_bytes(signed_pdf, signer)


def test_a_page_that_already_has_annotations_is_refused(rendered: bytes) -> None:
    # same length, so every offset stays right
    changed = rendered.replace(b"/ProcSet [/PDF /Text]", b"/Annots [] /PDF /Text", 1)
    with pytest.raises(CertificateError, match="already has a form or annotations"):
        read_base_revision(changed)
