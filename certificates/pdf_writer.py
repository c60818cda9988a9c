"""Writing a PDF file from objects that are already serialized: header, body, cross-reference table, trailer.

:func:`certificates.render.render_pdf` formats its few PDF objects itself and keeps the ones that are the
same for every certificate of a template as finished bytes (:class:`ObjectRun`), so a certificate is
assembled by joining byte strings and writing one cross-reference table, not by building and formatting a
tree of Python objects. The output has the shape :mod:`certificates.pdf_revision` expects: one classic
cross-reference table, a trailer with /Root, /Info and /ID, no object streams.

PDF facts relied on (ISO 32000-1): §7.5.2 the header ``%PDF-1.4`` followed by a comment of four bytes above
127 so transfer programs treat the file as binary; §7.5.4 one cross-reference subsection from object 0 (the
head of the free list, ``0000000000 65535 f``) with 20-byte entries; §7.5.5 the trailer and ``startxref``;
§14.4 /ID, two byte strings, the first one permanent (signing keeps it, see
:mod:`certificates.pdf_signature`); §7.3.4/§7.3.5 strings and names; §7.9.2.2 text strings as UTF-16BE with
a byte order mark when they are not plain ASCII.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["ObjectRun", "flate_stream", "pdf_name", "text_string", "write_document"]

_HEADER = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
_NAME_SAFE = frozenset(range(0x21, 0x7F)) - frozenset(b"#%()/<>[]{}")


@dataclass(frozen=True)
class ObjectRun:
    """Indirect objects numbered ``first``, ``first + 1`` … as bytes, with each one's offset in ``data``."""

    first: int
    data: bytes
    offsets: tuple[int, ...]

    @classmethod
    def of(cls, first: int, bodies: Sequence[bytes]) -> ObjectRun:
        """Serialize ``bodies`` (each an object's value, e.g. ``<< ... >>``) as objects from ``first`` on."""
        parts: list[bytes] = []
        offsets = []
        at = 0
        for number, body in enumerate(bodies, start=first):
            offsets.append(at)
            part = b"%d 0 obj\n%s\nendobj\n" % (number, body)
            parts.append(part)
            at += len(part)
        return cls(first, b"".join(parts), tuple(offsets))

    @property
    def next(self) -> int:
        """The first object number after this run."""
        return self.first + len(self.offsets)


def flate_stream(packed: bytes, entries: bytes = b"") -> bytes:
    """A stream object's value for zlib-``packed`` data, with extra dictionary ``entries``."""
    extra = b" " + entries if entries else b""
    return b"<< /Length %d /Filter /FlateDecode%s >>\nstream\n%s\nendstream" % (len(packed), extra, packed)


def pdf_name(raw: bytes) -> bytes:
    """``/raw`` with the bytes a name cannot hold written as ``#xx``."""
    return b"/" + b"".join(bytes((c,)) if c in _NAME_SAFE else b"#%02X" % c for c in raw)


def text_string(value: str) -> bytes:
    """A text string: a literal for printable ASCII (so it stays greppable), else UTF-16BE hex."""
    raw = value.encode("utf-8")
    if value.isascii() and all(0x20 <= c < 0x7F for c in raw):
        return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"
    return b"<FEFF" + value.encode("utf-16-be").hex().upper().encode() + b">"


def write_document(runs: Sequence[ObjectRun], *, root: int, info: int) -> bytes:
    """The whole file; ``runs`` must number the objects 1, 2 … without gaps, in order."""
    out = [_HEADER]
    entries = [b"0000000000 65535 f \n"]
    at = len(_HEADER)
    expected = 1
    digest = hashlib.sha256()
    for run in runs:
        if run.first != expected:
            raise ValueError(f"objects must be numbered without gaps: expected {expected}, got {run.first}")
        entries += [b"%010d 00000 n \n" % (at + offset) for offset in run.offsets]
        out.append(run.data)
        digest.update(run.data)
        at += len(run.data)
        expected = run.next
    # the file's identity: a hash of its content, so two different certificates never share it
    file_id = digest.hexdigest()[:32].upper().encode()
    out.append(b"xref\n0 %d\n" % expected)
    out += entries
    out.append(
        b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /ID [<%s> <%s>] >>\nstartxref\n%d\n%%%%EOF\n"
        % (expected, root, info, file_id, file_id, at)
    )
    return b"".join(out)
