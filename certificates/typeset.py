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

import functools
import hashlib
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import reportlab
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont

from .surface import Run, Surface

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

    Which characters of which font are embedded, and with which codes, is decided by whoever writes the
    PDF (:mod:`certificates.pdf_fonts` for :func:`~certificates.render.render_pdf`, reportlab itself for
    the reference rendering); this only knows the fonts and their metrics.
    """

    cjk: str
    latin: str

    @property
    def names(self) -> tuple[str, str]:
        """Both registered font names, CJK first."""
        return (self.cjk, self.latin)

    def runs(self, text: str) -> list[Run]:
        """Split ``text`` into (font name, substring) runs by which font has each character."""
        return list(_runs(self, text))

    def font_of(self, ch: str) -> str:
        """The registered font name ``ch`` is set in."""
        return _font_of(self, ch)

    def width(self, text: str, size: float, spacing: float = 0.0) -> float:
        """Width of ``text`` in points at ``size``, with ``spacing`` points added between characters."""
        return _advance(self, text) * size / 1000 + spacing * max(len(text) - 1, 0)


def _covered(font_name: str) -> dict[int, int]:
    return pdfmetrics.getFont(font_name).face.charToGlyph  # type: ignore[attr-defined,no-any-return]


@functools.cache
def _font_of(fonts: FontSet, ch: str) -> str:
    return fonts.cjk if ord(ch) in _covered(fonts.cjk) else fonts.latin


@functools.cache
def _char_advance(font_name: str, ch: str) -> float:
    return float(stringWidth(ch, font_name, 1000))


@functools.lru_cache(maxsize=4096)
def _runs(fonts: FontSet, text: str) -> tuple[Run, ...]:
    runs: list[Run] = []
    for font, chars in itertools.groupby(text, lambda ch: _font_of(fonts, ch)):
        runs.append((font, "".join(chars)))
    return tuple(runs)


@functools.lru_cache(maxsize=16384)
def _advance(fonts: FontSet, text: str) -> float:
    """Width of ``text`` at 1000 points (widths are additive: reportlab applies no kerning)."""
    return sum(_char_advance(_font_of(fonts, ch), ch) for ch in text)


@functools.cache
def register_fonts(cjk_path: Path) -> FontSet:
    """Register the CJK font and the Latin fallback with reportlab, once per process.

    Parsing a CJK font takes a noticeable fraction of a second; the producer's workers call this in their
    initializer so each certificate only pays for the subset it uses. The registrations are stock reportlab
    ``TTFont`` objects: their parsed faces give the metrics and glyphs for :mod:`certificates.pdf_fonts`,
    and reportlab's own subsetting uses them unchanged in the reference rendering.
    """
    digest = hashlib.sha256(str(Path(cjk_path).resolve()).encode()).hexdigest()[:10]
    fonts = FontSet(cjk=f"CertpostCJK-{digest}", latin="CertpostLatin")
    pdfmetrics.registerFont(TTFont(fonts.cjk, str(cjk_path)))
    if fonts.latin not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(fonts.latin, str(LATIN_FONT_PATH)))
    return fonts


def draw_text(
    surface: Surface,
    fonts: FontSet,
    text: str,
    size: float,
    x: float,
    y: float,
    *,
    align: Align = "left",
    spacing: float = 0.0,
) -> None:
    """Draw one line at baseline ``y``; ``x`` is the left edge, centre or right edge per ``align``."""
    width = fonts.width(text, size, spacing)
    left = {"left": x, "centre": x - width / 2, "right": x - width}[align]
    surface.text(left, y, _runs(fonts, text), size, spacing)


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
    """Break ``text`` into lines no wider than ``width``; explicit newlines start a new line.

    ``measure`` must be additive (the width of ``a + b`` is the width of ``a`` plus that of ``b``), as
    widths without kerning are: a line's width is kept up to date token by token instead of measuring the
    growing line again for every character, which made wrapping quadratic in the paragraph's length.
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, line_width = "", 0.0
        for token in _TOKEN.findall(paragraph):
            token_width = measure(token)
            if line and (token in _NO_LINE_START or line_width + token_width <= width):
                line += token
                line_width += token_width
                continue
            if not line:
                line = _cut(token, width, measure, lines)
            elif line[-1] in _NO_LINE_END and len(line) > 1:
                lines.append(line[:-1])
                line = _cut(line[-1] + token, width, measure, lines)
            else:
                lines.append(line)
                line = _cut(token, width, measure, lines)
            line_width = measure(line)
        lines.append(line)
    return lines
