"""PAdES signing and verification round trip, and what verification reports for tampered or foreign PDFs."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.signers.pdf_cms import SimpleSigner

from certificates.document import CertificateDocument
from certificates.errors import CertificateError
from certificates.keys import KeyMaterial, ensure_dev_keys
from certificates.render import render_pdf, seal_box
from certificates.signing import SIGNATURE_FIELD, sign_pdf_bytes
from certificates.verify import verify_pdf


def flip(pdf: bytes, offset: int) -> bytes:
    data = bytearray(pdf)
    data[offset] ^= 0x01
    return bytes(data)


def signed_range_end(pdf: bytes) -> int:
    signature = PdfFileReader(io.BytesIO(pdf)).embedded_regular_signatures[0]
    return int(signature.sig_object["/ByteRange"][1])


def test_round_trip_is_valid_intact_and_trusted(
    signed_pdf: bytes, document: CertificateDocument, dev_keys: KeyMaterial
) -> None:
    result = verify_pdf(signed_pdf, dev_keys.trust_roots)
    assert result.signed
    assert result.intact
    assert result.valid
    assert result.trusted
    assert result.problems == []
    assert result.ok
    assert result.identifier == document.identifier
    assert result.signer == document.issuer_name
    assert result.signed_at is not None
    assert result.signed_at.tzinfo is not None


def test_signature_is_pades_and_visible_on_the_seal(signed_pdf: bytes, document: CertificateDocument) -> None:
    signature = PdfFileReader(io.BytesIO(signed_pdf)).embedded_regular_signatures[0]
    assert signature.field_name == SIGNATURE_FIELD
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    rect = [int(v) for v in signature.sig_field["/Rect"]]
    assert rect == list(seal_box(document.type))
    assert "/AP" in signature.sig_field


def test_flipped_byte_in_signed_content_is_not_intact(signed_pdf: bytes, dev_keys: KeyMaterial) -> None:
    # a byte inside the first page's content stream: the file still parses, only the digest breaks
    offset = signed_pdf.index(b"stream", signed_pdf.index(b"/Contents")) + 30
    assert offset < signed_range_end(signed_pdf)
    result = verify_pdf(flip(signed_pdf, offset), dev_keys.trust_roots)
    assert result.signed
    assert not result.intact
    assert not result.ok
    assert any("changed after signing" in p for p in result.problems)


def test_edited_identifier_is_not_intact(
    signed_pdf: bytes, document: CertificateDocument, dev_keys: KeyMaterial
) -> None:
    old = document.identifier.encode()
    new = old[:-1] + (b"0" if old[-1:] != b"0" else b"1")
    result = verify_pdf(signed_pdf.replace(old, new, 1), dev_keys.trust_roots)
    assert not result.intact
    assert not result.ok


def test_unknown_root_is_not_trusted(signed_pdf: bytes, tmp_path: Path) -> None:
    stranger = ensure_dev_keys(tmp_path, "另一个审批局")
    result = verify_pdf(signed_pdf, stranger.trust_roots)
    assert result.intact
    assert result.valid
    assert not result.trusted
    assert not result.ok
    assert any("not trusted" in p for p in result.problems)


def test_no_roots_means_not_trusted(signed_pdf: bytes) -> None:
    assert not verify_pdf(signed_pdf, []).trusted


def test_unsigned_pdf_is_reported(
    document: CertificateDocument, font_path: Path, dev_keys: KeyMaterial
) -> None:
    result = verify_pdf(render_pdf(document, font_path), dev_keys.trust_roots)
    assert not result.signed
    assert not result.ok
    assert result.problems == ["the document has no signature"]


def test_garbage_is_reported_not_raised(dev_keys: KeyMaterial) -> None:
    result = verify_pdf(b"this is not a pdf", dev_keys.trust_roots)
    assert not result.signed
    assert result.problems
    assert "not a readable PDF" in result.problems[0]


def test_invisible_signature_without_box(
    document: CertificateDocument, font_path: Path, signer: SimpleSigner, dev_keys: KeyMaterial
) -> None:
    pdf = sign_pdf_bytes(render_pdf(document, font_path), signer)
    signature = PdfFileReader(io.BytesIO(pdf)).embedded_regular_signatures[0]
    assert [float(v) for v in signature.sig_field["/Rect"]] == [0, 0, 0, 0]
    assert verify_pdf(pdf, dev_keys.trust_roots).ok


async def test_signing_on_a_running_loop_is_refused(signed_pdf: bytes, signer: SimpleSigner) -> None:
    # documents the constraint the producer exists for: pyHanko's sync API calls asyncio.run()
    with pytest.raises(CertificateError, match="CertificateProducer"):
        sign_pdf_bytes(signed_pdf, signer)
    with pytest.raises(CertificateError, match="executor"):
        verify_pdf(signed_pdf, [])


def test_update_after_signing_is_reported_and_identifier_comes_from_signed_revision(
    signed_pdf: bytes, document: CertificateDocument, dev_keys: KeyMaterial
) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(signed_pdf))
    fake = generic.DictionaryObject({generic.NameObject("/Subject"): generic.TextStringObject("FAKE")})
    writer.set_info(fake)
    out = io.BytesIO()
    writer.write(out)
    result = verify_pdf(out.getvalue(), dev_keys.trust_roots)
    assert result.intact
    assert result.identifier == document.identifier
    assert not result.ok
    assert any("after signing" in p for p in result.problems)
