"""Setting Chinese text: two embedded fonts, line breaking and drawing.

Common CJK TrueType fonts are incomplete on purpose — Droid Sans Fallback has no Latin letters or digits at
all — while a licence is full of digits and codes. So text is set in runs: each character in the CJK font
when it has the glyph, otherwise in Bitstream Vera, which reportlab ships inside its own package (always
present, TrueType, embeddable). Both are embedded as subsets; nothing falls back to a non-embedded base-14
font.

Lines are filled character by character (Chinese has no spaces to break at), with the rule readers notice
when broken: closing punctuation never starts a line and opening punctuation never ends one. Runs of Latin
letters and digits stay together so a number or a code is not split in the middle.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import itertools
import re
import weakref
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import reportlab
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfdoc import PDFArray, PDFDocument, PDFName, PDFStream
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

__all__ = ["LATIN_FONT_PATH", "FontSet", "draw_text", "register_fonts", "wrap"]

LATIN_FONT_PATH = Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"
"""Latin fallback shipped with reportlab itself, so no extra system package is needed."""

_NO_LINE_START = set("，。、；：？！）》」』】〕”’,.;:?!)%")
_NO_LINE_END = set("（《「『【〔“‘(")
_TOKEN = re.compile(r"[A-Za-z0-9@#&+\-_/.:=~%]+|.", re.DOTALL)

Align = Literal["left", "centre", "right"]


@dataclass(frozen=True)
class FontSet:
    """The registered names of the CJK font and its Latin fallback, and how to split text between them.

    ``template`` is a second registration of the same CJK font for a type's fixed wording (``template_chars``,
    see :meth:`for_template`). reportlab builds one font subset per document from the characters in the order
    they are first used, so a subset holding only the type's fixed wording, reserved in a fixed order by
    :meth:`reserve`, is the same for every certificate of the type and is built once per process; only the
    few characters of names and values go into a per-certificate subset.
    """

    cjk: str
    latin: str
    template: str = ""
    template_chars: frozenset[str] = frozenset()

    def for_template(self, text: str) -> FontSet:
        """This font set with the CJK characters of ``text`` (a type's fixed wording) in the template font."""
        covered = _covered(self.cjk)
        return replace(self, template_chars=frozenset(ch for ch in text if ord(ch) in covered))

    def runs(self, text: str) -> list[tuple[str, str]]:
        """Split ``text`` into (font name, substring) runs by which font has each character."""
        return list(_runs(self, text))

    def width(self, text: str, size: float, spacing: float = 0.0) -> float:
        """Width of ``text`` in points at ``size``, with ``spacing`` points added between characters."""
        return _advance(self, text) * size / 1000 + spacing * max(len(text) - 1, 0)

    def reserve(self, canvas: Canvas) -> None:
        """Give the template characters their subset codes first, in a fixed order, in ``canvas``'s PDF."""
        if self.template and self.template_chars:
            # reportlab keeps subset codes per document object; the canvas's document is that key
            document = canvas._doc  # type: ignore[attr-defined]
            pdfmetrics.getFont(self.template).splitString("".join(sorted(self.template_chars)), document)


def _covered(font_name: str) -> dict[int, int]:
    return pdfmetrics.getFont(font_name).face.charToGlyph  # type: ignore[attr-defined,no-any-return]


@functools.cache
def _font_of(fonts: FontSet, ch: str) -> str:
    if ch in fonts.template_chars:
        return fonts.template
    return fonts.cjk if ord(ch) in _covered(fonts.cjk) else fonts.latin


@functools.cache
def _char_advance(font_name: str, ch: str) -> float:
    return float(stringWidth(ch, font_name, 1000))


@functools.lru_cache(maxsize=4096)
def _runs(fonts: FontSet, text: str) -> tuple[tuple[str, str], ...]:
    runs: list[tuple[str, str]] = []
    for font, chars in itertools.groupby(text, lambda ch: _font_of(fonts, ch)):
        runs.append((font, "".join(chars)))
    return tuple(runs)


@functools.lru_cache(maxsize=16384)
def _advance(fonts: FontSet, text: str) -> float:
    """Width of ``text`` at 1000 points (widths are additive: reportlab applies no kerning)."""
    return sum(_char_advance(_font_of(fonts, ch), ch) for ch in text)


def _remember_subsets(font: TTFont) -> None:
    """Make ``font`` build and compress each distinct subset once per process.

    The template and Latin subsets repeat on every certificate; building one is ~1 ms of pure Python and
    compressing it ~1 ms of zlib. reportlab compresses font files while writing, unless the stream already
    names its filter, so the cached compressed bytes are put in the stream together with /Filter.
    """
    face = font.face  # type: ignore[attr-defined]
    build, add_objects = face.makeSubset, face.addSubsetObjects
    built: dict[tuple[int, ...], bytes] = {}
    packed: dict[bytes, bytes] = {}

    def make_subset(subset: list[int]) -> bytes:
        key = tuple(subset)
        if key not in built:
            if len(built) >= _SUBSETS_KEPT:
                packed.pop(built.pop(next(iter(built))), None)
            built[key] = build(subset)
        return built[key]

    def add_subset_objects(doc: PDFDocument, fontname: str, subset: list[int]) -> object:
        reference = add_objects(doc, fontname, subset)
        stream = doc.idToObject.get(f"fontFile:{face.filename}({fontname})")
        if doc.compression and isinstance(stream, PDFStream) and isinstance(stream.content, bytes):
            content = stream.content
            if content not in packed:
                packed[content] = zlib.compress(content)
            stream.content = packed[content]
            stream.dictionary["Filter"] = PDFArray([PDFName("FlateDecode")])
        return reference

    face.makeSubset = make_subset
    face.addSubsetObjects = add_subset_objects


_SUBSETS_KEPT = 32


@functools.cache
def register_fonts(cjk_path: Path) -> FontSet:
    """Register the CJK font (twice: per-certificate text and template text) and the Latin fallback.

    Once per process: parsing a CJK font takes a noticeable fraction of a second; the producer's workers
    call this in their initializer so each certificate only pays for the subset it uses. The template
    registration shares the parsed face; only reportlab's per-document subset state is its own.
    """
    digest = hashlib.sha256(str(Path(cjk_path).resolve()).encode()).hexdigest()[:10]
    fonts = FontSet(cjk=f"CertpostCJK-{digest}", latin="CertpostLatin", template=f"CertpostCJKT-{digest}")
    cjk = TTFont(fonts.cjk, str(cjk_path))
    _remember_subsets(cjk)
    template = copy.copy(cjk)
    template.fontName = fonts.template
    template.state = weakref.WeakKeyDictionary()
    # reportlab treats fonts with the same face name as one font (same subsets, same PDF font object)
    template.face = copy.copy(cjk.face)  # type: ignore[attr-defined]
    template.face.name += b"-Template"  # type: ignore[attr-defined]
    pdfmetrics.registerFont(cjk)
    pdfmetrics.registerFont(template)
    if fonts.latin not in pdfmetrics.getRegisteredFontNames():
        latin = TTFont(fonts.latin, str(LATIN_FONT_PATH))
        _remember_subsets(latin)
        pdfmetrics.registerFont(latin)
    return fonts


def draw_text(
    canvas: Canvas,
    fonts: FontSet,
    text: str,
    size: float,
    x: float,
    y: float,
    *,
    align: Align = "left",
    spacing: float = 0.0,
) -> None:
    """Draw one line at baseline ``y``; ``x`` is the left edge, centre or right edge per ``align``.

    Character spacing is set on every call because the PDF text state outlives the text object that set it.
    """
    width = fonts.width(text, size, spacing)
    left = {"left": x, "centre": x - width / 2, "right": x - width}[align]
    obj = canvas.beginText(left, y)
    obj.setCharSpace(spacing)
    for font, run in _runs(fonts, text):
        obj.setFont(font, size)
        obj.textOut(run)
    obj.setCharSpace(0)
    canvas.drawText(obj)


def _cut(line: str, width: float, measure: Callable[[str], float], lines: list[str]) -> str:
    """Cut a run longer than a whole line (a long code) where it must be cut; return the rest."""
    while len(line) > 1 and measure(line) > width:
        cut = len(line) - 1
        while cut > 1 and measure(line[:cut]) > width:
            cut -= 1
        lines.append(line[:cut])
        line = line[cut:]
    return line


def wrap(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """Break ``text`` into lines no wider than ``width``; explicit newlines start a new line."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for token in _TOKEN.findall(paragraph):
            if not line:
                line = _cut(token, width, measure, lines)
            elif token in _NO_LINE_START or measure(line + token) <= width:
                line += token
            elif line[-1] in _NO_LINE_END and len(line) > 1:
                lines.append(line[:-1])
                line = _cut(line[-1] + token, width, measure, lines)
            else:
                lines.append(line)
                line = _cut(token, width, measure, lines)
        lines.append(line)
    return lines
