"""Rendering a certificate to a one-page PDF with reportlab.

The page is drawn from the type's layout data: a framed ``permit`` with a label/value grid, or a ``notice``
letter with running paragraphs. Text is set in a CJK TrueType font plus a Latin fallback, both embedded as
subsets (a licence must look the same on a phone without Chinese fonts). The identifier is printed in the
footer and stored as the PDF's /Subject so a verifier can read it back, and the QR code points at the
verification page. Where the seal goes is fixed per type (:func:`seal_box`) rather than by content, so
signing can put the visible signature field on it without reading the page. Text that does not fit is set
smaller down to a floor, then refused: a clipped licence is worse than an error the clerk sees.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen.canvas import Canvas

from .document import CertificateDocument
from .errors import DocumentError
from .qr import draw_qr
from .seal import SEAL_RED, draw_seal
from .types import CertificateType, Layout
from .typeset import FontSet, draw_text, register_fonts, wrap

__all__ = ["format_date", "render_pdf", "seal_box"]

_MIN_BODY_SIZE = 8.0
_INDENT = "\u3000\u3000"  # two ideographic spaces: the first-line indent of Chinese prose


def format_date(doc: CertificateDocument) -> str:
    """The issue date as printed on Chinese licences, in Beijing time."""
    day = doc.issued_local
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True)
class _Geometry:
    """Where things go on a page. ``side``: QR and seal in a right column; otherwise in a bottom band."""

    width: float
    height: float
    side: bool
    content_left: float
    content_right: float
    content_top: float
    content_bottom: float
    qr_x: float
    qr_y: float
    qr_size: float
    seal_x: float
    seal_y: float
    seal_radius: float


def _geometry(layout: Layout) -> _Geometry:
    width, height = landscape(A4) if layout.orientation == "landscape" else A4
    margin = 62.0 if layout.style == "permit" else 78.0
    top = height - (122.0 if layout.style == "permit" else 190.0)
    if layout.style == "permit" and layout.orientation == "landscape":
        # grid on the left two thirds; QR code high and seal low in the right column
        return _Geometry(
            width=width,
            height=height,
            side=True,
            content_left=margin,
            content_right=width - 262.0,
            content_top=top,
            content_bottom=72.0,
            qr_x=width - 212.0,
            qr_y=height - 262.0,
            qr_size=104.0,
            seal_x=width - 160.0,
            seal_y=146.0,
            seal_radius=58.0,
        )
    # full-width text; QR code bottom left and seal over the signature block bottom right
    return _Geometry(
        width=width,
        height=height,
        side=False,
        content_left=margin,
        content_right=width - margin,
        content_top=top,
        content_bottom=252.0,
        qr_x=margin,
        qr_y=76.0,
        qr_size=92.0,
        seal_x=width - margin - 92.0,
        seal_y=164.0,
        seal_radius=58.0,
    )


def seal_box(kind: CertificateType) -> tuple[int, int, int, int]:
    """The seal's bounding box (x1, y1, x2, y2) in points on page 1: the visible signature field goes here."""
    g = _geometry(kind.layout)
    r = g.seal_radius
    return (int(g.seal_x - r), int(g.seal_y - r), int(g.seal_x + r + 1), int(g.seal_y + r + 1))


def _values(doc: CertificateDocument) -> dict[str, str]:
    values = {key: doc.value(key) for key in doc.type.keys}
    values.update(
        holder_name=doc.holder_name,
        holder_id_number=doc.holder_id_number,
        issuer_name=doc.issuer_name,
        issued_date=format_date(doc),
    )
    return values


# --- permit: a framed label/value grid ------------------------------------------------------------


def _grid_rows(doc: CertificateDocument) -> list[tuple[str, str]]:
    layout = doc.type.layout
    rows = [(layout.holder_label, doc.holder_name), (layout.holder_id_label, doc.holder_id_number)]
    rows += [
        (spec.label, doc.value(spec.key)) for spec in doc.type.fields if spec.required or doc.value(spec.key)
    ]
    return rows


def _grid_cells(
    rows: list[tuple[str, str]], fonts: FontSet, size: float, g: _Geometry, label_width: float
) -> list[tuple[list[str], list[str], float]]:
    value_width = g.content_right - g.content_left - label_width - 16
    leading = size * 1.45

    def measure(text: str) -> float:
        return fonts.width(text, size)

    cells = []
    for label, value in rows:
        label_lines = wrap(label, label_width - 16, measure)
        value_lines = wrap(value, value_width, measure)
        cells.append(
            (label_lines, value_lines, max(len(label_lines), len(value_lines)) * leading + size * 0.9)
        )
    return cells


def _draw_permit(canvas: Canvas, doc: CertificateDocument, fonts: FontSet, g: _Geometry) -> None:
    layout = doc.type.layout
    canvas.setStrokeColorRGB(0.45, 0.12, 0.10)
    canvas.setLineWidth(2.4)
    canvas.rect(22, 22, g.width - 44, g.height - 44)
    canvas.setLineWidth(0.8)
    canvas.rect(29, 29, g.width - 58, g.height - 58)
    canvas.setFillColorRGB(0, 0, 0)
    draw_text(
        canvas,
        fonts,
        doc.type.title,
        layout.title_size,
        g.width / 2,
        g.height - 88,
        align="centre",
        spacing=layout.title_size * 0.5,
    )

    rows = _grid_rows(doc)
    label_width = 150.0
    size = layout.body_size
    cells = _grid_cells(rows, fonts, size, g, label_width)
    while sum(h for _, _, h in cells) > g.content_top - g.content_bottom:
        size -= 0.5
        if size < _MIN_BODY_SIZE:
            raise DocumentError(f"the fields of this {doc.type.name} do not fit on one page")
        cells = _grid_cells(rows, fonts, size, g, label_width)
    leading = size * 1.45
    split = g.content_left + label_width
    y = g.content_top
    canvas.setStrokeColorRGB(0.55, 0.55, 0.55)
    canvas.setLineWidth(0.6)
    canvas.line(g.content_left, y, g.content_right, y)
    for label_lines, value_lines, height in cells:
        baseline = y - size * 0.45 - size
        canvas.setFillColorRGB(0.25, 0.25, 0.25)
        for i, line in enumerate(label_lines):
            draw_text(canvas, fonts, line, size, split - 8, baseline - i * leading, align="right")
        canvas.setFillColorRGB(0, 0, 0)
        for i, line in enumerate(value_lines):
            draw_text(canvas, fonts, line, size, split + 8, baseline - i * leading)
        y -= height
        canvas.line(g.content_left, y, g.content_right, y)
    canvas.line(split, g.content_top, split, y)


# --- notice: an official letter -------------------------------------------------------------------


def _notice_paragraphs(doc: CertificateDocument) -> list[str]:
    layout = doc.type.layout
    values = _values(doc)
    used = layout.placeholders() | ({layout.reference_field} if layout.reference_field else set())
    paragraphs: list[str] = []
    for line in layout.preamble.format_map(values).split("\n") if layout.preamble else []:
        paragraphs.append(line if line.endswith("：") else _INDENT + line)
    if "holder_name" not in used:
        paragraphs.append(f"{_INDENT}{layout.holder_label}：{doc.holder_name}")
    if "holder_id_number" not in used:
        paragraphs.append(f"{_INDENT}{layout.holder_id_label}：{doc.holder_id_number}")
    for spec in doc.type.fields:
        if spec.key not in used and doc.value(spec.key):
            paragraphs.append(f"{_INDENT}{spec.label}：{doc.value(spec.key)}")
    if layout.closing:
        paragraphs += [_INDENT + line for line in layout.closing.format_map(values).split("\n")]
    return paragraphs


def _notice_lines(paragraphs: list[str], fonts: FontSet, size: float, width: float) -> list[list[str]]:
    return [wrap(paragraph, width, lambda text: fonts.width(text, size)) for paragraph in paragraphs]


def _draw_notice(canvas: Canvas, doc: CertificateDocument, fonts: FontSet, g: _Geometry) -> None:
    layout = doc.type.layout
    canvas.setFillColorRGB(0, 0, 0)
    draw_text(
        canvas,
        fonts,
        doc.type.title,
        layout.title_size,
        g.width / 2,
        g.height - 112,
        align="centre",
        spacing=layout.title_size * 0.25,
    )
    if layout.reference_field:
        draw_text(
            canvas,
            fonts,
            doc.value(layout.reference_field),
            layout.body_size,
            g.width / 2,
            g.height - 146,
            align="centre",
        )
    canvas.setStrokeColorRGB(*SEAL_RED)
    canvas.setLineWidth(1.5)
    canvas.line(g.content_left, g.height - 160, g.content_right, g.height - 160)

    paragraphs = _notice_paragraphs(doc)
    width = g.content_right - g.content_left
    size = layout.body_size

    def height(blocks: list[list[str]], size: float) -> float:
        return sum(len(lines) * size * 1.75 + size * 0.35 for lines in blocks)

    blocks = _notice_lines(paragraphs, fonts, size, width)
    while height(blocks, size) > g.content_top - g.content_bottom:
        size -= 0.5
        if size < _MIN_BODY_SIZE:
            raise DocumentError(f"the text of this {doc.type.name} does not fit on one page")
        blocks = _notice_lines(paragraphs, fonts, size, width)
    y = g.content_top
    for lines in blocks:
        for line in lines:
            draw_text(canvas, fonts, line, size, g.content_left, y)
            y -= size * 1.75
        y -= size * 0.35


# --- shared parts ---------------------------------------------------------------------------------


def _draw_issuer(canvas: Canvas, doc: CertificateDocument, fonts: FontSet, g: _Geometry) -> None:
    size = doc.type.layout.body_size
    canvas.setFillColorRGB(0, 0, 0)
    draw_text(canvas, fonts, doc.issuer_name, size, g.seal_x, g.seal_y + size * 0.2, align="centre")
    draw_text(canvas, fonts, format_date(doc), size, g.seal_x, g.seal_y - size * 1.6, align="centre")
    draw_seal(canvas, fonts, g.seal_x, g.seal_y, g.seal_radius, doc.issuer_name, doc.type.layout.seal_caption)


def _draw_verification(canvas: Canvas, doc: CertificateDocument, fonts: FontSet, g: _Geometry) -> None:
    draw_qr(canvas, g.qr_x, g.qr_y, g.qr_size, doc.verify_url)
    canvas.setFillColorRGB(0.2, 0.2, 0.2)
    draw_text(canvas, fonts, "扫码核验", 9, g.qr_x + g.qr_size / 2, g.qr_y - 12, align="centre")
    draw_text(
        canvas, fonts, f"电子证照标识：{doc.identifier}", 8, g.width / 2, 38 if g.side else 34, align="centre"
    )


_FIXED_WORDING = "扫码核验电子证照标识：年月日"  # printed on every certificate by this module


@functools.lru_cache(maxsize=64)
def _template_fonts(fonts: FontSet, kind: CertificateType, issuer_name: str) -> FontSet:
    """``fonts`` with everything a type prints the same on each certificate in the template font."""
    layout = kind.layout
    wording = [kind.title, layout.holder_label, layout.holder_id_label, layout.seal_caption, issuer_name]
    wording += [layout.preamble, layout.closing, _FIXED_WORDING, *(spec.label for spec in kind.fields)]
    return fonts.for_template("".join(wording))


def render_pdf(doc: CertificateDocument, font_path: Path) -> bytes:
    """Render ``doc`` to PDF bytes (CPU-bound: run it in the producer's worker processes, not on the loop)."""
    fonts = _template_fonts(register_fonts(Path(font_path)), doc.type, doc.issuer_name)
    g = _geometry(doc.type.layout)
    buffer = io.BytesIO()
    # the initial font must be ours: reportlab's default (Helvetica) would be referenced but never embedded
    canvas = Canvas(buffer, pagesize=(g.width, g.height), pageCompression=1, initialFontName=fonts.cjk)
    fonts.reserve(canvas)
    canvas.setTitle(doc.type.name)
    canvas.setAuthor(doc.issuer_name)
    canvas.setSubject(doc.identifier)
    canvas.setKeywords(doc.identifier)
    canvas.setCreator("certpost")
    if doc.type.layout.style == "permit":
        _draw_permit(canvas, doc, fonts, g)
    else:
        _draw_notice(canvas, doc, fonts, g)
    _draw_verification(canvas, doc, fonts, g)
    _draw_issuer(canvas, doc, fonts, g)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
