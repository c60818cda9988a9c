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
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import reportlab
from reportlab.pdfbase import pdfmetrics
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
    """The registered names of the CJK font and its Latin fallback, and how to split text between them."""

    cjk: str
    latin: str

    def runs(self, text: str) -> list[tuple[str, str]]:
        """Split ``text`` into (font name, substring) runs by which font has each character."""
        covered = pdfmetrics.getFont(self.cjk).face.charToGlyph  # type: ignore[attr-defined]
        runs: list[tuple[str, str]] = []
        for ch in text:
            font = self.cjk if ord(ch) in covered else self.latin
            if runs and runs[-1][0] == font:
                runs[-1] = (font, runs[-1][1] + ch)
            else:
                runs.append((font, ch))
        return runs

    def width(self, text: str, size: float, spacing: float = 0.0) -> float:
        """Width of ``text`` in points at ``size``, with ``spacing`` points added between characters."""
        natural = sum(stringWidth(run, font, size) for font, run in self.runs(text))
        return natural + spacing * max(len(text) - 1, 0)


@functools.cache
def register_fonts(cjk_path: Path) -> FontSet:
    """Register the CJK font and the Latin fallback once per process.

    Parsing a CJK font takes a noticeable fraction of a second; the producer's workers call this in their
    initializer so each certificate only pays for the subset it uses.
    """
    digest = hashlib.sha256(str(Path(cjk_path).resolve()).encode()).hexdigest()[:10]
    fonts = FontSet(cjk=f"CertpostCJK-{digest}", latin="CertpostLatin")
    pdfmetrics.registerFont(TTFont(fonts.cjk, str(cjk_path)))
    if fonts.latin not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(fonts.latin, str(LATIN_FONT_PATH)))
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
    for font, run in fonts.runs(text):
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
