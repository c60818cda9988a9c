"""Rendering a certificate to a one-page PDF.

The page is drawn from the type's layout data: a framed ``permit`` with a label/value grid, or a ``notice``
letter with running paragraphs. Text is set in a CJK TrueType font plus a Latin fallback, both embedded as
subsets (a licence must look the same on a phone without Chinese fonts). The identifier is printed in the
footer and stored as the PDF's /Subject so a verifier can read it back, and the QR code points at the
verification page. Where the seal goes is fixed per type (:func:`seal_box`) rather than by content, so
signing can put the visible signature field on it without reading the page. Text that does not fit is set
smaller down to a floor, then refused: a clipped licence is worse than an error the clerk sees.

The drawing code works on a :class:`~certificates.surface.Surface`. :func:`render_pdf` draws on a
:class:`~certificates.pdf_content.ContentStream` and writes the file itself (:mod:`certificates.pdf_writer`,
:mod:`certificates.pdf_fonts`): most of a page is the same for every certificate of a type and issuer, so
that part — its content streams and the font subsets of the fixed wording — is built once per process and
reused as finished bytes, and a certificate costs only what differs. Building the same page through
reportlab's canvas and document objects cost several times as much (they format every object of every
certificate anew); :func:`render_pdf_reportlab` still does exactly that, as the reference the tests compare
pages with and as the benchmark's baseline. reportlab remains the source of font metrics and subset font
programs in both.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.rl_accel import fp_str
from reportlab.pdfgen.canvas import Canvas

from .document import CertificateDocument
from .errors import DocumentError
from .pdf_content import ContentStream
from .pdf_fonts import FixedCodes, TextEncoder, subset_objects
from .pdf_writer import ObjectRun, flate_stream, text_string, write_document
from .qr import draw_qr
from .seal import SEAL_RED, draw_seal
from .surface import ReportlabSurface, Surface
from .types import CertificateType, Layout
from .typeset import FontSet, draw_text, register_fonts, wrap

__all__ = ["format_date", "qr_box", "render_pdf", "render_pdf_reportlab", "seal_box"]

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


def qr_box(kind: CertificateType) -> tuple[float, float, float, float]:
    """The QR code's square (x1, y1, x2, y2) in points on page 1, quiet zone included."""
    g = _geometry(kind.layout)
    return (g.qr_x, g.qr_y, g.qr_x + g.qr_size, g.qr_y + g.qr_size)


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


def _draw_grid(surface: Surface, doc: CertificateDocument, fonts: FontSet, g: _Geometry) -> None:
    layout = doc.type.layout
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
    surface.stroke_rgb(0.55, 0.55, 0.55)
    surface.line_width(0.6)
    surface.line(g.content_left, y, g.content_right, y)
    for label_lines, value_lines, height in cells:
        baseline = y - size * 0.45 - size
        surface.fill_rgb(0.25, 0.25, 0.25)
        for i, line in enumerate(label_lines):
            draw_text(surface, fonts, line, size, split - 8, baseline - i * leading, align="right")
        surface.fill_rgb(0, 0, 0)
        for i, line in enumerate(value_lines):
            draw_text(surface, fonts, line, size, split + 8, baseline - i * leading)
        y -= height
        surface.line(g.content_left, y, g.content_right, y)
    surface.line(split, g.content_top, split, y)


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


def _draw_letter(surface: Surface, doc: CertificateDocument, fonts: FontSet, g: _Geometry) -> None:
    layout = doc.type.layout
    surface.fill_rgb(0, 0, 0)
    if layout.reference_field:
        draw_text(
            surface,
            fonts,
            doc.value(layout.reference_field),
            layout.body_size,
            g.width / 2,
            g.height - 146,
            align="centre",
        )
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
            draw_text(surface, fonts, line, size, g.content_left, y)
            y -= size * 1.75
        y -= size * 0.35


# --- the three layers of a page -------------------------------------------------------------------
#
# A page is drawn in three layers, each leaving the graphics state as it found it: the head (what every
# certificate of a type and issuer shows: frame, title, rule, issuer name, the QR code's caption), the
# body (everything that depends on the certificate) and the tail (the seal, which goes over the issue date
# and is the same for every certificate of a type and issuer). render_pdf builds head and tail once.


def _draw_head(surface: Surface, kind: CertificateType, issuer: str, fonts: FontSet, g: _Geometry) -> None:
    layout = kind.layout
    if layout.style == "permit":
        surface.stroke_rgb(0.45, 0.12, 0.10)
        surface.line_width(2.4)
        surface.rect(22, 22, g.width - 44, g.height - 44, stroke=True, fill=False)
        surface.line_width(0.8)
        surface.rect(29, 29, g.width - 58, g.height - 58, stroke=True, fill=False)
        title_y, title_spacing = g.height - 88, layout.title_size * 0.5
    else:
        surface.stroke_rgb(*SEAL_RED)
        surface.line_width(1.5)
        surface.line(g.content_left, g.height - 160, g.content_right, g.height - 160)
        title_y, title_spacing = g.height - 112, layout.title_size * 0.25
    surface.fill_rgb(0, 0, 0)
    title_size = layout.title_size
    draw_text(
        surface, fonts, kind.title, title_size, g.width / 2, title_y, align="centre", spacing=title_spacing
    )
    size = layout.body_size
    draw_text(surface, fonts, issuer, size, g.seal_x, g.seal_y + size * 0.2, align="centre")
    surface.fill_rgb(0.2, 0.2, 0.2)
    draw_text(surface, fonts, _QR_CAPTION, 9, g.qr_x + g.qr_size / 2, g.qr_y - 12, align="centre")


def _draw_body(surface: Surface, doc: CertificateDocument, fonts: FontSet, g: _Geometry) -> None:
    if doc.type.layout.style == "permit":
        _draw_grid(surface, doc, fonts, g)
    else:
        _draw_letter(surface, doc, fonts, g)
    draw_qr(surface, g.qr_x, g.qr_y, g.qr_size, doc.verify_url)
    surface.fill_rgb(0.2, 0.2, 0.2)
    draw_text(
        surface, fonts, f"{_ID_CAPTION}{doc.identifier}", 8, g.width / 2, 38 if g.side else 34, align="centre"
    )
    size = doc.type.layout.body_size
    surface.fill_rgb(0, 0, 0)
    draw_text(surface, fonts, format_date(doc), size, g.seal_x, g.seal_y - size * 1.6, align="centre")


def _draw_tail(surface: Surface, kind: CertificateType, issuer: str, fonts: FontSet, g: _Geometry) -> None:
    draw_seal(surface, fonts, g.seal_x, g.seal_y, g.seal_radius, issuer, kind.layout.seal_caption)


def _layer(surface: Surface, draw: Callable[[], None]) -> None:
    surface.save_state()
    draw()
    surface.restore_state()


# --- writing the PDF ------------------------------------------------------------------------------

_QR_CAPTION = "扫码核验"
_ID_CAPTION = "电子证照标识："
# printed by this module on every certificate; printable ASCII is in every template's subsets so that
# identifiers, dates and codes need no per-certificate Latin font
_FIXED_WORDING = _QR_CAPTION + _ID_CAPTION + "年月日" + "".join(map(chr, range(0x20, 0x7F)))
_TEMPLATE_LEVEL = 9  # zlib level of what is compressed once per template
_LEVEL = 1  # zlib level per certificate: level 6 saves ~0.7 kB of ~41 kB for twice the time (0.2 ms)
# objects 1-4: catalog, page tree, page, document information; then the template's run from 5
_CATALOG, _PAGES, _PAGE, _INFO, _HEAD, _TAIL = 1, 2, 3, 4, 5, 6


@dataclass(frozen=True)
class _PageTemplate:
    """What every certificate of one type, issuer and font set shares, ready to be written."""

    codes: FixedCodes
    objects: ObjectRun
    """Objects 5 onwards: the head and tail content streams and the fixed font subsets."""
    fonts: bytes
    """/Font resource entries for the fixed subsets."""
    ext_states: dict[bytes, bytes]
    media_box: bytes


@functools.lru_cache(maxsize=64)
def _page_template(fonts: FontSet, kind: CertificateType, issuer_name: str) -> _PageTemplate:
    layout = kind.layout
    g = _geometry(layout)
    wording = [kind.title, layout.holder_label, layout.holder_id_label, layout.seal_caption, issuer_name]
    wording += [layout.preamble, layout.closing, _FIXED_WORDING, *(spec.label for spec in kind.fields)]
    chars: dict[str, set[str]] = {name: set() for name in fonts.names}
    for ch in "".join(wording):
        if ch != "\n":
            chars[fonts.font_of(ch)].add(ch)
    codes = FixedCodes(fonts.names, chars)
    head = ContentStream(TextEncoder(codes, frozen=True))
    tail = ContentStream(TextEncoder(codes, frozen=True))
    _layer(head, lambda: _draw_head(head, kind, issuer_name, fonts, g))
    _layer(tail, lambda: _draw_tail(tail, kind, issuer_name, fonts, g))
    bodies = [flate_stream(zlib.compress(s.data(), _TEMPLATE_LEVEL)) for s in (head, tail)]
    references = []
    for subset in codes.subsets:
        number = _HEAD + len(bodies)
        references.append(b"/%s %d 0 R" % (subset.resource, number))
        bodies += subset_objects(subset, number, _TEMPLATE_LEVEL)
    return _PageTemplate(
        codes=codes,
        objects=ObjectRun.of(_HEAD, bodies),
        fonts=b" ".join(references),
        ext_states={**head.ext_states, **tail.ext_states},
        media_box=b"[0 0 %s]" % fp_str(g.width, g.height).encode(),
    )


def _pdf_date(when: dt.datetime) -> bytes:
    return when.astimezone(dt.UTC).strftime("(D:%Y%m%d%H%M%S+00'00')").encode()


def _info(doc: CertificateDocument) -> bytes:
    now = _pdf_date(dt.datetime.now(dt.UTC))
    entries = [
        b"/Title " + text_string(doc.type.name),
        b"/Author " + text_string(doc.issuer_name),
        b"/Subject " + text_string(doc.identifier),
        b"/Keywords " + text_string(doc.identifier),
        b"/Creator (certpost) /Producer (certpost)",
        b"/CreationDate " + now + b" /ModDate " + now,
    ]
    return b"<< " + b"\n".join(entries) + b" >>"


def render_pdf(doc: CertificateDocument, font_path: Path) -> bytes:
    """Render ``doc`` to PDF bytes (CPU-bound: run it in the producer's worker processes, not on the loop).

    The page's head and tail layers, and the font subsets of the type's fixed wording, come finished from a
    per-process cache keyed by type, issuer and font; per certificate only the body layer (values, QR code,
    identifier, date), the subsets of characters the template does not have, and the four small objects
    that tie the file together are written.
    """
    fonts = register_fonts(Path(font_path))
    g = _geometry(doc.type.layout)
    template = _page_template(fonts, doc.type, doc.issuer_name)
    encoder = TextEncoder(template.codes)
    body = ContentStream(encoder)
    _layer(body, lambda: _draw_body(body, doc, fonts, g))
    body_number = template.objects.next
    objects = [flate_stream(zlib.compress(body.data(), _LEVEL))]
    font_refs = [template.fonts]
    for subset in encoder.new_subsets():
        number = body_number + len(objects)
        font_refs.append(b"/%s %d 0 R" % (subset.resource, number))
        objects += subset_objects(subset, number, _LEVEL)
    states = {**template.ext_states, **body.ext_states}
    resources = b"/Font << %s >> /ExtGState << %s >> /ProcSet [/PDF /Text]" % (
        b" ".join(font_refs),
        b" ".join(b"/%s %s" % item for item in states.items()),
    )
    page = b"<< /Type /Page /Parent %d 0 R /MediaBox %s /Resources << %s >> " % (
        _PAGES,
        template.media_box,
        resources,
    )
    page += b"/Contents [%d 0 R %d 0 R %d 0 R] >>" % (_HEAD, body_number, _TAIL)
    document = ObjectRun.of(
        _CATALOG,
        [
            b"<< /Type /Catalog /Pages %d 0 R >>" % _PAGES,
            b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % _PAGE,
            page,
            _info(doc),
        ],
    )
    return write_document(
        [document, template.objects, ObjectRun.of(body_number, objects)], root=_CATALOG, info=_INFO
    )


def render_pdf_reportlab(doc: CertificateDocument, font_path: Path) -> bytes:
    """The same page drawn on a stock reportlab canvas: reportlab subsets the fonts and writes the PDF.

    Several times slower than :func:`render_pdf` and not used to issue certificates; it is the reference
    that tests compare :func:`render_pdf`'s pages with, and the rendering of the benchmark's baseline.
    """
    fonts = register_fonts(Path(font_path))
    g = _geometry(doc.type.layout)
    buffer = io.BytesIO()
    # the initial font must be ours: reportlab's default (Helvetica) would be referenced but never embedded
    canvas = Canvas(buffer, pagesize=(g.width, g.height), pageCompression=1, initialFontName=fonts.cjk)
    canvas.setTitle(doc.type.name)
    canvas.setAuthor(doc.issuer_name)
    canvas.setSubject(doc.identifier)
    canvas.setKeywords(doc.identifier)
    canvas.setCreator("certpost")
    surface = ReportlabSurface(canvas)
    _layer(surface, lambda: _draw_head(surface, doc.type, doc.issuer_name, fonts, g))
    _layer(surface, lambda: _draw_body(surface, doc, fonts, g))
    _layer(surface, lambda: _draw_tail(surface, doc.type, doc.issuer_name, fonts, g))
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
