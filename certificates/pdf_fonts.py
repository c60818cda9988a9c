"""TrueType subsets in the PDFs that :mod:`certificates.render` writes itself: character codes, font objects.

A certificate's text is set in simple TrueType fonts of at most 256 character codes each, the way reportlab
embeds TrueType: every subset is its own PDF font (its own /BaseFont with a six-letter tag, /Widths,
/ToUnicode so text can be copied and searched, and the glyphs as /FontFile2), and each character is shown as
the one-byte code it has in its subset. The outlines and metrics come from reportlab's parsed font face
(registered once per process by :func:`certificates.typeset.register_fonts`), and the subset font program is
built by reportlab's own ``makeSubset``; what this module adds is who decides the codes.

Codes are split in two. :class:`FixedCodes` holds the subsets of a page template — a type's fixed wording,
its issuer and printable ASCII — which are the same for every certificate of that template, so their PDF
objects are built and compressed once and reused byte for byte. A :class:`TextEncoder` per document starts
from those and puts any other character (a holder's name, say) into subsets of its own, the only font
programs built per certificate.

PDF facts relied on (ISO 32000-1): §9.6.3 a TrueType font dictionary with /FirstChar, /LastChar, /Widths
(glyph widths in thousandths of the text size) and a /FontDescriptor; §9.8 the descriptor's metrics,
/Flags with Symbolic set (so the font's own (1,0) cmap maps codes to glyphs, which is what reportlab's
subsets carry) and /FontFile2 with /Length1, the uncompressed length; §9.6.4 a subset's /BaseFont starts
with six upper-case letters and ``+``, different for different subsets; §9.10.3 a ToUnicode CMap with
bfchar entries, at most 100 per block.
"""

from __future__ import annotations

import functools
import hashlib
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase import pdfmetrics

from .pdf_writer import flate_stream, pdf_name

__all__ = ["OBJECTS_PER_SUBSET", "FixedCodes", "Subset", "TextEncoder", "subset_objects"]

_CODES = 256  # one-byte codes per subset; code 0 is the missing glyph
_SYMBOLIC, _NONSYMBOLIC = 1 << 2, 1 << 5
OBJECTS_PER_SUBSET = 4
"""Indirect objects per subset: font dictionary, font descriptor, font program, ToUnicode CMap."""


@dataclass(frozen=True)
class Subset:
    """One embedded subset: ``codes[i]`` is the Unicode code point shown by character code ``i``."""

    font: str
    """The registered reportlab font name the glyphs come from."""
    resource: bytes
    """Its name in the page's /Font resources."""
    codes: tuple[int, ...]


class FixedCodes:
    """The subsets fixed by a page template, with the code of every character they hold (immutable).

    ``fonts`` are the registered font names in a fixed order (their index goes into resource names);
    ``chars`` the characters each one must hold. Characters are put in code point order, so the same
    wording always gives the same subsets.
    """

    def __init__(self, fonts: Sequence[str], chars: Mapping[str, Iterable[str]]) -> None:
        self.fonts = tuple(fonts)
        self.codes: dict[str, dict[str, tuple[bytes, int]]] = {font: {} for font in self.fonts}
        subsets: list[Subset] = []
        for index, font in enumerate(self.fonts):
            ordered = sorted(set(chars.get(font, ())))
            for start in range(0, len(ordered), _CODES - 1):
                part = ordered[start : start + _CODES - 1]
                resource = b"F%dS%d" % (index, start // (_CODES - 1))
                subsets.append(Subset(font, resource, (0, *map(ord, part))))
                self.codes[font].update((ch, (resource, code)) for code, ch in enumerate(part, start=1))
        self.subsets = tuple(subsets)
        # encodings of text made of fixed characters only (labels, dates' 年月日 …) are the same for every
        # document; kept bounded because values are text too
        self.encoded: dict[tuple[str, str], list[tuple[bytes, bytes]]] = {}


_ENCODED_KEPT = 4096


class TextEncoder:
    """Character codes for one document: the template's fixed ones, then new subsets as text needs them.

    With ``frozen`` a character outside the fixed subsets is a programming error (the template's own
    content streams must use only the template's characters, or they would not be reusable).
    """

    def __init__(self, fixed: FixedCodes, *, frozen: bool = False) -> None:
        self._fixed = fixed
        self._frozen = frozen
        self._codes: dict[str, dict[str, tuple[bytes, int]]] = {font: {} for font in fixed.fonts}
        self._subsets: dict[str, list[list[int]]] = {font: [] for font in fixed.fonts}

    def encode(self, font: str, text: str) -> list[tuple[bytes, bytes]]:
        """``text`` in ``font`` as (resource, one-byte codes) pieces, one per subset change."""
        key = (font, text)
        known = self._fixed.encoded.get(key)
        if known is not None:
            return known
        fixed, own = self._fixed.codes[font], self._codes[font]
        pieces: list[tuple[bytes, bytes]] = []
        resource = b""
        codes = bytearray()
        all_fixed = True
        for ch in text:
            found = fixed.get(ch)
            if found is None:
                all_fixed = False
                found = own.get(ch) or self._allocate(font, ch)
            if found[0] != resource:
                if codes:
                    pieces.append((resource, bytes(codes)))
                    codes.clear()
                resource = found[0]
            codes.append(found[1])
        if codes:
            pieces.append((resource, bytes(codes)))
        if all_fixed:
            if len(self._fixed.encoded) >= _ENCODED_KEPT:
                self._fixed.encoded.clear()
            self._fixed.encoded[key] = pieces
        return pieces

    def _allocate(self, font: str, ch: str) -> tuple[bytes, int]:
        if self._frozen:
            raise ValueError(f"{ch!r} is not among the template's characters")
        subsets = self._subsets[font]
        if not subsets or len(subsets[-1]) == _CODES:
            subsets.append([0])
        subsets[-1].append(ord(ch))
        found = (b"F%dD%d" % (self._fixed.fonts.index(font), len(subsets) - 1), len(subsets[-1]) - 1)
        self._codes[font][ch] = found
        return found

    def new_subsets(self) -> list[Subset]:
        """The subsets this document added to the fixed ones."""
        out = []
        for index, font in enumerate(self._fixed.fonts):
            for n, codes in enumerate(self._subsets[font]):
                out.append(Subset(font, b"F%dD%d" % (index, n), tuple(codes)))
        return out


def _tag(name: bytes, codes: tuple[int, ...]) -> bytes:
    """Six upper-case letters that differ between subsets (a hash of the face and the code points)."""
    digest = hashlib.blake2b(name + repr(codes).encode(), digest_size=6).digest()
    return bytes(65 + b % 26 for b in digest)


def _to_unicode(codes: tuple[int, ...]) -> bytes:
    lines = [
        b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        b"/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
        b"1 begincodespacerange <00> <FF> endcodespacerange",
    ]
    pairs = [(code, point) for code, point in enumerate(codes) if code]
    for start in range(0, len(pairs), 100):
        block = pairs[start : start + 100]
        lines.append(b"%d beginbfchar" % len(block))
        lines += [b"<%02X> <%s>" % (code, chr(p).encode("utf-16-be").hex().encode()) for code, p in block]
        lines.append(b"endbfchar")
    lines.append(b"endcmap CMapName currentdict /CMap defineresource pop end end")
    return b"\n".join(lines)


@dataclass(frozen=True)
class _Parts:
    base_font: bytes
    widths: bytes
    descriptor: bytes
    program: bytes
    to_unicode: bytes


@functools.lru_cache(maxsize=64)
def _parts(font: str, codes: tuple[int, ...], level: int) -> _Parts:
    """Everything about a subset that does not depend on object numbers (kept for a retried certificate)."""
    face = pdfmetrics.getFont(font).face  # type: ignore[attr-defined]
    base_font = pdf_name(_tag(face.name, codes) + b"+" + face.name + face.subfontNameX)
    flags = (face.flags & ~_NONSYMBOLIC) | _SYMBOLIC
    descriptor = b"/FontName %s /Flags %d /FontBBox [%s] /ItalicAngle %s /Ascent %s /Descent %s " % (
        base_font,
        flags,
        fp_str(*face.bbox).encode(),
        fp_str(face.italicAngle).encode(),
        fp_str(face.ascent).encode(),
        fp_str(face.descent).encode(),
    )
    descriptor += b"/CapHeight %s /StemV %s /MissingWidth %s" % (
        fp_str(face.capHeight).encode(),
        fp_str(face.stemV).encode(),
        fp_str(face.defaultWidth).encode(),
    )
    program = face.makeSubset(list(codes))
    return _Parts(
        base_font=base_font,
        widths=fp_str(*map(face.getCharWidth, codes)).encode(),
        descriptor=descriptor,
        program=flate_stream(zlib.compress(program, level), b"/Length1 %d" % len(program)),
        to_unicode=flate_stream(zlib.compress(_to_unicode(codes), level)),
    )


def subset_objects(subset: Subset, first: int, level: int = 6) -> list[bytes]:
    """The subset's :data:`OBJECTS_PER_SUBSET` objects, numbered from ``first`` (the font dictionary)."""
    parts = _parts(subset.font, subset.codes, level)
    font = (
        b"<< /Type /Font /Subtype /TrueType /BaseFont %s /FirstChar 0 /LastChar %d /Widths [%s] "
        b"/FontDescriptor %d 0 R /ToUnicode %d 0 R >>"
        % (parts.base_font, len(subset.codes) - 1, parts.widths, first + 1, first + 3)
    )
    descriptor = b"<< /Type /FontDescriptor %s /FontFile2 %d 0 R >>" % (parts.descriptor, first + 2)
    return [font, descriptor, parts.program, parts.to_unicode]
