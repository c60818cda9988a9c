"""The verification QR code, drawn as vector squares straight onto the page.

The module matrix comes from :mod:`certificates.qr_matrix` for the usual short ASCII URL (the same matrix
segno makes, several times faster) and from segno for anything else; neither needs an imaging library.
Drawing each row's dark runs as rectangles keeps the code sharp at any zoom and in print, and adds only a
few hundred bytes to the PDF.
"""

from __future__ import annotations

import re

import segno

from .qr_matrix import encode_matrix
from .surface import Surface

__all__ = ["QUIET_ZONE", "dark_runs", "draw_qr", "qr_matrix"]

QUIET_ZONE = 2
"""Modules of white border drawn around the code; the page around it is white too."""
# Every reader decodes every mask; scoring all eight to pick the "best" one is two thirds of the QR code's
# cost in pure Python and buys nothing for a short URL printed large on a white page.
_MASK = 4
_DARK = re.compile(b"\x01+")
# a hair of overlap (in modules, ~0.01 pt at the printed size) closes the seams some viewers draw between
# rectangles that only touch
_OVERLAP = b".005"


def qr_matrix(data: str) -> list[bytes]:
    """The code's modules without quiet zone, top row first: one byte per module, 1 dark and 0 light.

    Error correction level M survives a folded or slightly soiled printout without making the code so dense
    that a phone camera struggles at the printed size.
    """
    matrix = encode_matrix(data)
    if matrix is None:
        code = segno.make(data, error="m", micro=False, mask=_MASK, boost_error=False)
        matrix = [bytes(row) for row in code.matrix]
    return matrix


def dark_runs(matrix: list[bytes]) -> list[tuple[int, int, int]]:
    """(row, first column, length) of each horizontal run of dark modules."""
    return [
        (r, match.start(), match.end() - match.start())
        for r, row in enumerate(matrix)
        for match in _DARK.finditer(row)
    ]


def draw_qr(surface: Surface, x: float, y: float, size: float, data: str) -> None:
    """Draw a QR code for ``data`` with its lower-left corner at (x, y), ``size`` points square.

    The dark modules are one filled path with a rectangle per run of a row, in module units: the
    transformation puts module (column, row) at its place on the page, so the path is small integers.
    """
    matrix = qr_matrix(data)
    step = size / (len(matrix) + 2 * QUIET_ZONE)
    surface.save_state()
    surface.fill_rgb(1, 1, 1)
    surface.rect(x, y, size, size, stroke=False, fill=True)
    surface.fill_rgb(0, 0, 0)
    # x grows to the right, y downwards from the top-left module
    surface.transform(step, 0, 0, -step, x + QUIET_ZONE * step, y + size - QUIET_ZONE * step)
    template = b"%d %d %d" + _OVERLAP + b" 1" + _OVERLAP + b" re"
    surface.fill_path(b"\n".join([template % (c, r, n) for r, c, n in dark_runs(matrix)]))
    surface.restore_state()
