"""A page content stream written directly as PDF operators: the fast :class:`~certificates.surface.Surface`.

Every drawing call appends its operators to a list of byte strings; text is encoded by a
:class:`~certificates.pdf_fonts.TextEncoder`, which decides the subset and one-byte code of each character.
Nothing here builds PDF objects: :func:`certificates.render.render_pdf` compresses :meth:`ContentStream.data`
into a stream and lists :attr:`ContentStream.ext_states` and the encoder's subsets as the page's resources.
Numbers are formatted by reportlab's ``fp_str`` (C, the same precision reportlab writes its own pages with).

PDF operators used (ISO 32000-1 §8.4.4, §8.5, §9.4): ``q``/``Q``, ``cm``, ``w``, ``rg``/``RG``, ``gs`` with an
ExtGState holding /ca and /CA, ``m``/``l``/``c``/``re``/``h``, ``S``/``f``/``B``/``n``, and
``BT``/``Td``/``Tf``/``Tc``/``Tj``/``ET``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from reportlab.lib.rl_accel import fp_str

from .pdf_fonts import TextEncoder
from .surface import Run

__all__ = ["ContentStream"]

_KAPPA = 4 * (math.sqrt(2) - 1) / 3  # control point distance of a quarter circle drawn as one Bézier curve


def _num(*values: float) -> bytes:
    return fp_str(*values).encode()  # type: ignore[no-any-return]


def _paint(stroke: bool, fill: bool) -> bytes:
    return b"B" if stroke and fill else b"f" if fill else b"S" if stroke else b"n"


class ContentStream:
    """Operators for one content stream; see :class:`~certificates.surface.Surface` for the methods."""

    def __init__(self, encoder: TextEncoder) -> None:
        self._ops: list[bytes] = []
        self._encoder = encoder
        self.ext_states: dict[bytes, bytes] = {}
        """ExtGState resources used: name → dictionary."""

    def data(self) -> bytes:
        """The operators written so far."""
        return b"".join(self._ops)

    def save_state(self) -> None:
        self._ops.append(b"q\n")

    def restore_state(self) -> None:
        self._ops.append(b"Q\n")

    def fill_rgb(self, r: float, g: float, b: float) -> None:
        self._ops.append(_num(r, g, b) + b" rg\n")

    def stroke_rgb(self, r: float, g: float, b: float) -> None:
        self._ops.append(_num(r, g, b) + b" RG\n")

    def line_width(self, width: float) -> None:
        self._ops.append(_num(width) + b" w\n")

    def alpha(self, fill: float, stroke: float) -> None:
        name = b"A" + _num(fill, stroke).replace(b" ", b"_").replace(b".", b"p")
        self.ext_states[name] = b"<< /ca %s /CA %s >>" % (_num(fill), _num(stroke))
        self._ops.append(b"/%s gs\n" % name)

    def translate(self, dx: float, dy: float) -> None:
        self.transform(1, 0, 0, 1, dx, dy)

    def rotate(self, degrees: float) -> None:
        cos, sin = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
        self.transform(cos, sin, -sin, cos, 0, 0)

    def transform(self, a: float, b: float, c: float, d: float, e: float, f: float) -> None:
        self._ops.append(_num(a, b, c, d, e, f) + b" cm\n")

    def rect(self, x: float, y: float, width: float, height: float, *, stroke: bool, fill: bool) -> None:
        self._ops.append(_num(x, y, width, height) + b" re " + _paint(stroke, fill) + b"\n")

    def line(self, x1: float, y1: float, x2: float, y2: float) -> None:
        self._ops.append(_num(x1, y1) + b" m " + _num(x2, y2) + b" l S\n")

    def circle(self, cx: float, cy: float, radius: float, *, stroke: bool, fill: bool) -> None:
        k = radius * _KAPPA
        r = radius
        self._ops += [
            _num(cx + r, cy) + b" m\n",
            _num(cx + r, cy + k, cx + k, cy + r, cx, cy + r) + b" c\n",
            _num(cx - k, cy + r, cx - r, cy + k, cx - r, cy) + b" c\n",
            _num(cx - r, cy - k, cx - k, cy - r, cx, cy - r) + b" c\n",
            _num(cx + k, cy - r, cx + r, cy - k, cx + r, cy) + b" c\n",
            b"h " + _paint(stroke, fill) + b"\n",
        ]

    def polygon(self, points: Sequence[tuple[float, float]], *, stroke: bool, fill: bool) -> None:
        self._ops.append(_num(*points[0]) + b" m\n")
        self._ops += [_num(x, y) + b" l\n" for x, y in points[1:]]
        self._ops.append(b"h " + _paint(stroke, fill) + b"\n")

    def fill_path(self, operators: bytes) -> None:
        self._ops += [operators, b"\nf\n"]

    def text(self, x: float, y: float, runs: Sequence[Run], size: float, spacing: float) -> None:
        ops = self._ops
        ops.append(b"BT " + _num(x, y) + b" Td ")
        if spacing:
            ops.append(_num(spacing) + b" Tc ")
        size_op = b" " + _num(size) + b" Tf "
        current = b""
        for font, chunk in runs:
            for resource, codes in self._encoder.encode(font, chunk):
                if resource != current:
                    ops.append(b"/" + resource + size_op)
                    current = resource
                ops.append(b"<" + codes.hex().encode() + b"> Tj ")
        ops.append(b"0 Tc ET\n" if spacing else b"ET\n")
