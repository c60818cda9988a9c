"""The verification QR code, drawn as vector squares straight onto the page.

segno computes the module matrix without any imaging library; drawing each row's dark runs as rectangles
keeps the code sharp at any zoom and in print, and adds only a few hundred bytes to the PDF.
"""

from __future__ import annotations

import segno
from reportlab.pdfgen.canvas import Canvas

__all__ = ["draw_qr"]

_QUIET_ZONE = 2  # modules of white border; the page around it is white too


def draw_qr(canvas: Canvas, x: float, y: float, size: float, data: str) -> None:
    """Draw a QR code for ``data`` with its lower-left corner at (x, y), ``size`` points square.

    Error correction level M survives a folded or slightly soiled printout without making the code so dense
    that a phone camera struggles at this size.
    """
    code = segno.make(data, error="m", micro=False)
    matrix = [list(row) for row in code.matrix]
    modules = len(matrix) + 2 * _QUIET_ZONE
    step = size / modules
    canvas.saveState()
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColorRGB(0, 0, 0)
    for r, row in enumerate(matrix):
        top = y + size - (r + _QUIET_ZONE) * step
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            # a hair of overlap closes the seams some viewers draw between adjacent rectangles
            canvas.rect(
                x + (start + _QUIET_ZONE) * step,
                top - step,
                (c - start) * step + 0.01,
                step + 0.01,
                stroke=0,
                fill=1,
            )
    canvas.restoreState()
