"""Appending a signature to a rendered certificate as one incremental update, written in a single pass.

Why not pyHanko's PdfSigner: its incremental writer parses the whole file into Python objects and writes the
update back through them, ~30 ms per certificate of pure-Python PDF work around ~1 ms of cryptography. The
PDFs signed here are the ones :mod:`certificates.render` just wrote, so the few objects the update must
touch are found with :func:`~certificates.pdf_revision.read_base_revision` and the update is formatted
directly. The part that must be exactly right — the CMS container with its PAdES attributes and optional
RFC 3161 token — stays pyHanko's (:mod:`certificates.pades_cms`), and verification
(:mod:`certificates.verify`, poppler ``pdfsig``, ``qpdf --check`` in the tests) checks the result
independently.

PDF facts relied on (ISO 32000-1):

* §7.5.6 incremental update: the original bytes stay untouched; appended are the changed and new objects,
  a cross-reference section listing only them, and a trailer with /Prev pointing at the previous table and
  /Size covering all object numbers. /ID keeps its first element and gets a new second one (§14.4).
* §12.7.2/§12.7.4.5 the catalog's /AcroForm lists the signature field in /Fields; /SigFlags 3 says the file
  has signatures and must be updated only incrementally. The field is merged with its widget annotation
  (/FT /Sig, /Type /Annot, /Subtype /Widget), which the page lists in /Annots and which points back with /P;
  /F 132 is Print + Locked. Its normal appearance (/AP /N) is a form XObject that draws nothing, so the seal
  printed on the page shows through (§12.5.5).
* §12.8.1 signature dictionary: /Filter /Adobe.PPKLite, /SubFilter /ETSI.CAdES.detached (the PAdES
  baseline, with the ESIC developer extension declared in the catalog for PDF 1.7 readers), /M, /Reason.
  /ByteRange [0 a b c] covers the whole file except the /Contents hex string including its angle brackets;
  /Contents is the DER CMS in hex, zero-padded to the size reserved before hashing. The /ByteRange numbers
  are written into a fixed-width slot so that filling them in does not move any byte.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass

from .errors import CertificateError
from .pdf_revision import BaseRevision, read_base_revision

__all__ = ["SignatureAppearance", "append_signature"]

_RANGE_DIGITS = 10  # each /ByteRange number is padded to this width: files up to 9.3 GB
_RANGE_SLOT = b"/ByteRange [" + b" ".join([b"0".ljust(_RANGE_DIGITS)] * 4) + b"]"
_ESIC = b"/Extensions << /ESIC << /Type /DeveloperExtensions /BaseVersion /1.7 /ExtensionLevel 1 >> >>"


@dataclass(frozen=True)
class SignatureAppearance:
    """What the signature field says about itself: its name, its rectangle on page 1 and the reasons."""

    field_name: str
    box: tuple[int, int, int, int] | None
    reason: str | None = None
    location: str | None = None


def _text(value: str) -> bytes:
    """A PDF text string as UTF-16BE with BOM, in hex: no escaping rules to get wrong (§7.9.2.2)."""
    return b"<FEFF" + value.encode("utf-16-be").hex().upper().encode() + b">"


def _name_literal(value: str) -> bytes:
    if not value.isascii() or not value.isalnum():
        raise CertificateError(f"signature field name {value!r} must be ASCII letters and digits")
    return b"(" + value.encode() + b")"


def _with_entries(dictionary: bytes, entries: bytes) -> bytes:
    """``dictionary`` (``<< ... >>``) with ``entries`` added before its closing ``>>``."""
    return dictionary[:-2].rstrip() + b"\n" + entries + b"\n>>"


def _pdf_date(when: dt.datetime) -> bytes:
    return when.astimezone(dt.UTC).strftime("(D:%Y%m%d%H%M%SZ)").encode()


def _extensions(base: BaseRevision) -> bytes:
    """Declare ETSI.CAdES.detached to PDF 1.7 readers, unless the catalog already speaks for itself."""
    if b"/Extensions" in base.catalog or b"/Version" in base.catalog:
        return b""
    return b" /Version /1.7 " + _ESIC


def _xref_section(offsets: dict[int, int]) -> bytes:
    """A cross-reference section with one subsection per run of consecutive object numbers."""
    lines = [b"xref\n"]
    numbers = sorted(offsets)
    start = 0
    while start < len(numbers):
        end = start
        while end + 1 < len(numbers) and numbers[end + 1] == numbers[end] + 1:
            end += 1
        lines.append(b"%d %d\n" % (numbers[start], end - start + 1))
        lines += [b"%010d 00000 n \n" % offsets[n] for n in numbers[start : end + 1]]
        start = end + 1
    return b"".join(lines)


def _update(base: BaseRevision, offset: int, look: SignatureAppearance, contents_hex: int) -> bytearray:
    """The incremental update that starts at byte ``offset``, with placeholders for range and contents."""
    acroform, field, appearance, signature = range(base.size, base.size + 4)
    x1, y1, x2, y2 = look.box or (0, 0, 0, 0)
    sig_entries = [b"/Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached"]
    sig_entries.append(b"/M " + _pdf_date(dt.datetime.now(dt.UTC)))
    if look.reason:
        sig_entries.append(b"/Reason " + _text(look.reason))
    if look.location:
        sig_entries.append(b"/Location " + _text(look.location))
    sig_entries += [_RANGE_SLOT, b"/Contents <" + b"0" * contents_hex + b">"]
    objects = {
        base.page_number: _with_entries(base.page, b"/Annots [ %d 0 R ]" % field),
        base.catalog_number: _with_entries(
            base.catalog, b"/AcroForm %d 0 R%s" % (acroform, _extensions(base))
        ),
        acroform: b"<< /Fields [ %d 0 R ] /SigFlags 3 >>" % field,
        field: b"<< /Type /Annot /Subtype /Widget /FT /Sig /T %s /F 132 /Rect [ %d %d %d %d ] "
        b"/P %d 0 R /V %d 0 R /AP << /N %d 0 R >> >>"
        % (_name_literal(look.field_name), x1, y1, x2, y2, base.page_number, signature, appearance),
        appearance: b"<< /Type /XObject /Subtype /Form /BBox [ 0 0 %d %d ] /Resources << >> /Length 0 >>\n"
        b"stream\n\nendstream" % (x2 - x1, y2 - y1),
        signature: b"<< " + b"\n".join(sig_entries) + b" >>",
    }
    out = bytearray()
    offsets = {}
    for number, body in objects.items():
        offsets[number] = offset + len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_at = offset + len(out)
    out += _xref_section(offsets)
    trailer = [b"/Size %d /Root %d 0 R /Prev %d" % (base.size + 4, base.catalog_number, base.xref_offset)]
    if base.info_number is not None:
        trailer.append(b"/Info %d 0 R" % base.info_number)
    new_id = os.urandom(16).hex().encode()
    trailer.append(b"/ID [ <%s> <%s> ]" % (base.file_id or new_id, new_id))
    out += b"trailer\n<< %s >>\nstartxref\n%d\n%%%%EOF\n" % (b" ".join(trailer), xref_at)
    return out


def append_signature(
    pdf: bytes, look: SignatureAppearance, reserved_hex: int, cms_for_digest: Callable[[bytes], bytes]
) -> bytes:
    """Return ``pdf`` with a signed signature field appended as an incremental update.

    ``reserved_hex`` is the room for the CMS in hex digits (even); ``cms_for_digest`` gets the SHA-256 of
    the signed byte ranges and returns the DER CMS SignedData (see :func:`certificates.pades_cms.pades_cms`).
    """
    base = read_base_revision(pdf)
    head = pdf if pdf.endswith(b"\n") else pdf + b"\n"
    update = _update(base, len(head), look, reserved_hex)
    # the gap is the /Contents string including its angle brackets; everything else is signed
    gap_start = len(head) + update.index(b"/Contents <") + len(b"/Contents ")
    gap_end = gap_start + reserved_hex + 2
    total = len(head) + len(update)
    numbers = [0, gap_start, gap_end, total - gap_end]
    filled = b"/ByteRange [" + b" ".join(b"%d" % n for n in numbers) + b"]"
    slot = update.index(_RANGE_SLOT)
    update[slot : slot + len(_RANGE_SLOT)] = filled.ljust(len(_RANGE_SLOT))
    data = memoryview(head + update)
    digest = hashlib.sha256(data[:gap_start])
    digest.update(data[gap_end:])
    der = cms_for_digest(digest.digest())
    hex_der = der.hex().upper().encode()
    if len(hex_der) > reserved_hex:
        raise CertificateError(
            f"the signature container ({len(der)} bytes) does not fit the {reserved_hex // 2} bytes reserved"
        )
    out = bytearray(data)
    out[gap_start + 1 : gap_start + 1 + len(hex_der)] = hex_der
    return bytes(out)
