"""Reading the few facts about a rendered certificate that signing needs, without a PDF parser.

The signature is appended to PDFs that :func:`certificates.render.render_pdf` has just written, so their
shape is known: one revision with one classic cross-reference table, a trailer dictionary with /Root,
/Size, /Info and /ID, and plain (non-stream) dictionary objects for the catalog, the page tree and the page,
with no form and no annotations yet. A general parser (pyHanko's costs tens of milliseconds in pure Python)
is not needed to find them; anything that does not have this shape — not a PDF, a cross-reference stream,
an encrypted file, a file updated since it was rendered (a signed one, say) — is refused with
:class:`~certificates.errors.CertificateError` rather than guessed at.

PDF facts relied on (ISO 32000-1): §7.5.4 a cross-reference table is ``xref`` then subsections of a header
line "first count" and 20-byte entries "offset generation n|f"; §7.5.5 the file ends with ``startxref``, the
table's byte offset and ``%%EOF``, and the trailer dictionary follows the table; §7.3.10 an indirect object
is "num gen obj ... endobj".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import CertificateError

__all__ = ["BaseRevision", "read_base_revision"]

_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")
_SUBSECTION = re.compile(rb"(\d+) (\d+)\s*\n")
_REF = rb"\s+(\d+)\s+0\s+R"


@dataclass(frozen=True)
class BaseRevision:
    """What an incremental update to a rendered certificate must refer to or rewrite."""

    size: int
    """/Size of the trailer: the first object number the update may use."""
    xref_offset: int
    """Byte offset of the cross-reference table, the update's /Prev."""
    catalog_number: int
    catalog: bytes
    """The catalog dictionary's source, ``<< ... >>``."""
    page_number: int
    page: bytes
    """The first page's dictionary source, ``<< ... >>``."""
    info_number: int | None
    file_id: bytes
    """The first (permanent) element of /ID as hex digits, or empty when the file has none."""


def _fail(what: str) -> CertificateError:
    return CertificateError(f"cannot sign this PDF: {what} (only PDFs written by render_pdf are signed)")


def _xref_offsets(pdf: bytes, at: int) -> tuple[dict[int, int], int]:
    """Object number → byte offset of the table at ``at``, and where its trailer keyword starts."""
    if not pdf.startswith(b"xref", at):
        raise _fail("no classic cross-reference table at startxref")
    offsets: dict[int, int] = {}
    pos = pdf.index(b"\n", at) + 1
    while not pdf.startswith(b"trailer", pos):
        header = _SUBSECTION.match(pdf, pos)
        if header is None:
            raise _fail("malformed cross-reference subsection")
        first, count = int(header.group(1)), int(header.group(2))
        pos = header.end()
        for i in range(count):
            entry = pdf[pos : pos + 20]
            if len(entry) != 20 or entry[17:18] not in (b"n", b"f"):
                raise _fail("malformed cross-reference entry")
            if entry[17:18] == b"n":
                offsets[first + i] = int(entry[:10])
            pos += 20
    return offsets, pos


def _dictionary(pdf: bytes, offsets: dict[int, int], number: int) -> bytes:
    """The source of object ``number``, which must be a dictionary (not a stream)."""
    at = offsets.get(number)
    if at is None:
        raise _fail(f"object {number} is not in the cross-reference table")
    head = re.compile(rb"\s*%d\s+0\s+obj\s*" % number).match(pdf, at)
    end = pdf.find(b"endobj", at)
    if head is None or end < 0:
        raise _fail(f"object {number} is not where the cross-reference table says")
    body = pdf[head.end() : end].rstrip()
    if not body.startswith(b"<<") or not body.endswith(b">>") or b"stream" in body:
        raise _fail(f"object {number} is not a plain dictionary")
    return body


def _ref(source: bytes, key: bytes) -> int | None:
    match = re.search(re.escape(key) + _REF, source)
    return int(match.group(1)) if match else None


def read_base_revision(pdf: bytes) -> BaseRevision:
    """Locate trailer, catalog and first page of a rendered certificate (see the module docstring)."""
    tail = _STARTXREF.search(pdf, max(0, len(pdf) - 64))
    if tail is None:
        raise _fail("no startxref at the end")
    xref_offset = int(tail.group(1))
    offsets, trailer_at = _xref_offsets(pdf, xref_offset)
    trailer = pdf[trailer_at : tail.start()]
    root, size = _ref(trailer, b"/Root"), re.search(rb"/Size\s+(\d+)", trailer)
    if root is None or size is None:
        raise _fail("the trailer has no /Root or /Size")
    if b"/Encrypt" in trailer:
        raise _fail("the file is encrypted")
    if b"/Prev" in trailer:
        # render_pdf writes one revision; a later one is a signature or an edit, never to be signed over
        raise _fail("it has been changed since it was rendered (an incremental update, a signature perhaps)")
    file_id = re.search(rb"/ID\s*\[\s*<([0-9A-Fa-f]*)>", trailer)
    catalog = _dictionary(pdf, offsets, root)
    pages_number = _ref(catalog, b"/Pages")
    if pages_number is None:
        raise _fail("the catalog has no /Pages")
    kids = re.search(rb"/Kids\s*\[\s*(\d+)\s+0\s+R", _dictionary(pdf, offsets, pages_number))
    if kids is None:
        raise _fail("the page tree has no pages")
    page_number = int(kids.group(1))
    page = _dictionary(pdf, offsets, page_number)
    if b"/AcroForm" in catalog or b"/Annots" in page:
        raise _fail("it already has a form or annotations")
    return BaseRevision(
        size=int(size.group(1)),
        xref_offset=xref_offset,
        catalog_number=root,
        catalog=catalog,
        page_number=page_number,
        page=page,
        info_number=_ref(trailer, b"/Info"),
        file_id=file_id.group(1) if file_id else b"",
    )
