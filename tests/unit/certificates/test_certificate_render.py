"""The rendered PDF: one page, embedded TrueType subsets only, identifier in the metadata, seal placed."""

from __future__ import annotations

import dataclasses
import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from certificates.document import CertificateDocument
from certificates.errors import DocumentError
from certificates.render import format_date, render_pdf, seal_box
from certificates.samples import sample_document
from certificates.types import CertificateType


def reader(pdf: bytes) -> PdfFileReader:
    return PdfFileReader(io.BytesIO(pdf))


def test_one_page_with_identifier_in_metadata(document: CertificateDocument, font_path: Path) -> None:
    pdf = render_pdf(document, font_path)
    assert pdf.startswith(b"%PDF-")
    r = reader(pdf)
    assert len(r.root["/Pages"]["/Kids"]) == 1
    info = r.trailer_view["/Info"]
    assert str(info["/Subject"]) == document.identifier
    assert str(info["/Title"]) == document.type.name
    assert str(info["/Author"]) == document.issuer_name


def test_every_font_is_an_embedded_truetype_subset(document: CertificateDocument, font_path: Path) -> None:
    page = reader(render_pdf(document, font_path)).root["/Pages"]["/Kids"][0]
    fonts = page["/Resources"]["/Font"]
    assert len(fonts) >= 2  # the CJK font and the Latin fallback
    for name in fonts:
        font = fonts[name]
        assert font["/Subtype"] == "/TrueType", name
        assert "+" in str(font["/BaseFont"]), f"{name} is not a subset"
        assert "/FontFile2" in font["/FontDescriptor"], f"{name} is not embedded"
        assert "/ToUnicode" in font, f"{name} text could not be extracted"


def test_seal_box_is_on_the_page_and_depends_on_layout(
    types: dict[str, CertificateType], font_path: Path
) -> None:
    boxes = {}
    for code, kind in types.items():
        x1, y1, x2, y2 = boxes[code] = seal_box(kind)
        page = reader(render_pdf(sample_document(kind), font_path)).root["/Pages"]["/Kids"][0]
        width, height = (float(v) for v in list(page["/MediaBox"])[2:])
        assert 0 < x1 < x2 <= width
        assert 0 < y1 < y2 <= height
    assert boxes["food_business_licence"] != boxes["approval_notice"]


def test_optional_fields_left_out_still_render(types: dict[str, CertificateType], font_path: Path) -> None:
    base = sample_document(types["food_business_licence"])
    required = {k: v for k, v in base.fields.items() if base.type.field(k).required}
    assert render_pdf(dataclasses.replace(base, fields=required), font_path).startswith(b"%PDF-")


@pytest.mark.parametrize("code", ["food_business_licence", "approval_notice"])
def test_text_too_long_for_a_page_is_refused(
    code: str, types: dict[str, CertificateType], font_path: Path
) -> None:
    base = sample_document(types[code])
    key = "business_scope" if code == "food_business_licence" else "content"
    with pytest.raises(DocumentError, match="one page"):
        render_pdf(
            dataclasses.replace(base, fields={**base.fields, key: "预包装食品销售；" * 900}), font_path
        )


def test_long_text_is_set_smaller_rather_than_refused(
    types: dict[str, CertificateType], font_path: Path
) -> None:
    base = sample_document(types["approval_notice"])
    long = dataclasses.replace(base, fields={**base.fields, "content": "准予从事美容美发场所经营。" * 60})
    assert render_pdf(long, font_path).startswith(b"%PDF-")


def test_date_is_printed_in_beijing_time(types: dict[str, CertificateType]) -> None:
    late_utc = datetime(2026, 11, 27, 17, 30, tzinfo=UTC)  # 01:30 on the 28th in Beijing
    doc = sample_document(types["approval_notice"], issued_at=late_utc)
    assert format_date(doc) == "2026年11月28日"


def template_objects(pdf: bytes) -> bytes:
    """The objects between the catalog's four and the certificate's own content stream."""
    body = re.search(rb"/Contents \[5 0 R (\d+) 0 R 6 0 R\]", pdf)
    assert body is not None
    return pdf[pdf.index(b"\n5 0 obj\n") : pdf.index(b"\n%s 0 obj\n" % body.group(1))]


def test_one_type_and_issuer_share_the_template_byte_for_byte(
    types: dict[str, CertificateType], font_path: Path
) -> None:
    kind = types["food_business_licence"]
    first = render_pdf(sample_document(kind, serial=1), font_path)
    other_holder = dataclasses.replace(sample_document(kind, serial=2), holder_name="杭州蓝天鹅餐饮有限公司")
    second = render_pdf(other_holder, font_path)
    assert first != second
    assert template_objects(first) == template_objects(second)
    # the seal and the issuer's name are part of the template: another issuer has one of its own
    elsewhere = render_pdf(sample_document(kind, issuer_name="杭州市上城区行政审批局"), font_path)
    assert template_objects(elsewhere) != template_objects(first)
