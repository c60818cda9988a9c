"""The verification QR code, drawn as vector squares straight onto the page.

segno computes the module matrix without any imaging library; drawing each row's dark runs as rectangles
keeps the code sharp at any zoom and in print, and adds only a few hundred bytes to the PDF.
"""

from __future__ import annotations

import re

import segno
from reportlab.pdfgen.canvas import Canvas

__all__ = ["draw_qr"]

_QUIET_ZONE = 2  # modules of white border; the page around it is white too
# Every reader decodes every mask; scoring all eight to pick the "best" one is two thirds of the QR code's
# cost in pure Python and buys nothing for a short URL printed large on a white page.
_MASK = 4
_DARK = re.compile(b"\x01+")


def _dark_runs(data: str) -> tuple[int, list[tuple[int, int, int]]]:
    """The module count and the (row, first column, length) of each horizontal run of dark modules."""
    code = segno.make(data, error="m", micro=False, mask=_MASK, boost_error=False)
    runs = [
        (r, match.start(), match.end() - match.start())
        for r, row in enumerate(code.matrix)
        for match in _DARK.finditer(bytes(row))
    ]
    return len(code.matrix), runs


def draw_qr(canvas: Canvas, x: float, y: float, size: float, data: str) -> None:
    """Draw a QR code for ``data`` with its lower-left corner at (x, y), ``size`` points square.

    Error correction level M survives a folded or slightly soiled printout without making the code so dense
    that a phone camera struggles at this size. The dark modules are one filled path of rectangles, one per
    run of a row, written as PDF path operators (``re`` … ``f``) in one go instead of a canvas call each.
    """
    count, runs = _dark_runs(data)
    step = size / (count + 2 * _QUIET_ZONE)
    canvas.saveState()
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColorRGB(0, 0, 0)
    top = y + size - _QUIET_ZONE * step
    # a hair of overlap closes the seams some viewers draw between adjacent rectangles
    left, height = x + _QUIET_ZONE * step, step + 0.01
    ops = [
        f"{left + c * step:.3f} {top - (r + 1) * step:.3f} {n * step + 0.01:.3f} {height:.3f} re"
        for r, c, n in runs
    ]
    canvas.addLiteral("\n".join(ops) + "\nf")
    canvas.restoreState()
