"""What the certificate page is drawn on: a small drawing interface with two implementations.

The page, the seal and the QR code are drawn through :class:`Surface` rather than straight onto a reportlab
canvas. :class:`certificates.pdf_content.ContentStream` writes the PDF operators itself and is what
:func:`certificates.render.render_pdf` uses; :class:`ReportlabSurface` forwards to a stock reportlab
``Canvas`` and is the reference rendering (:func:`certificates.render.render_pdf_reportlab`) that the tests
compare pixel by pixel and the benchmark uses as its baseline. The interface holds only what a certificate
needs; coordinates are PDF points, origin bottom left, angles in degrees.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from reportlab.pdfgen.canvas import Canvas

__all__ = ["ReportlabSurface", "Run", "Surface"]

Run = tuple[str, str]
"""(registered font name, text) — a piece of a line set in one font, see :meth:`FontSet.runs`."""


class Surface(Protocol):
    """A page being drawn. State changes last until :meth:`restore_state` undoes them."""

    def save_state(self) -> None:
        """Push the graphics state (colours, line width, alpha, transformation)."""

    def restore_state(self) -> None:
        """Pop the graphics state pushed by the matching :meth:`save_state`."""

    def fill_rgb(self, r: float, g: float, b: float) -> None:
        """Set the fill colour (text is filled)."""

    def stroke_rgb(self, r: float, g: float, b: float) -> None:
        """Set the stroke colour."""

    def line_width(self, width: float) -> None:
        """Set the stroke width in points."""

    def alpha(self, fill: float, stroke: float) -> None:
        """Set the constant fill and stroke opacity (1 is opaque)."""

    def translate(self, dx: float, dy: float) -> None:
        """Move the origin."""

    def rotate(self, degrees: float) -> None:
        """Rotate the coordinate system anticlockwise."""

    def transform(self, a: float, b: float, c: float, d: float, e: float, f: float) -> None:
        """Concatenate the matrix [a b c d e f] to the current transformation (PDF ``cm``)."""

    def rect(self, x: float, y: float, width: float, height: float, *, stroke: bool, fill: bool) -> None:
        """A rectangle with its lower-left corner at (x, y)."""

    def line(self, x1: float, y1: float, x2: float, y2: float) -> None:
        """A stroked straight line."""

    def circle(self, cx: float, cy: float, radius: float, *, stroke: bool, fill: bool) -> None:
        """A circle centred on (cx, cy)."""

    def polygon(self, points: Sequence[tuple[float, float]], *, stroke: bool, fill: bool) -> None:
        """A closed polygon through ``points``."""

    def fill_path(self, operators: bytes) -> None:
        """Fill a path given as PDF path construction operators (``re``, ``m``, ``l`` …), non-zero rule."""

    def text(self, x: float, y: float, runs: Sequence[Run], size: float, spacing: float) -> None:
        """Show ``runs`` on one line from (x, y), ``spacing`` points between characters (PDF ``Tc``)."""


class ReportlabSurface:
    """:class:`Surface` on a reportlab canvas: reportlab does the fonts, subsets and PDF objects."""

    def __init__(self, canvas: Canvas) -> None:
        self.canvas = canvas

    def save_state(self) -> None:
        self.canvas.saveState()

    def restore_state(self) -> None:
        self.canvas.restoreState()

    def fill_rgb(self, r: float, g: float, b: float) -> None:
        self.canvas.setFillColorRGB(r, g, b)

    def stroke_rgb(self, r: float, g: float, b: float) -> None:
        self.canvas.setStrokeColorRGB(r, g, b)

    def line_width(self, width: float) -> None:
        self.canvas.setLineWidth(width)

    def alpha(self, fill: float, stroke: float) -> None:
        self.canvas.setFillAlpha(fill)
        self.canvas.setStrokeAlpha(stroke)

    def translate(self, dx: float, dy: float) -> None:
        self.canvas.translate(dx, dy)

    def rotate(self, degrees: float) -> None:
        self.canvas.rotate(degrees)

    def transform(self, a: float, b: float, c: float, d: float, e: float, f: float) -> None:
        self.canvas.transform(a, b, c, d, e, f)

    def rect(self, x: float, y: float, width: float, height: float, *, stroke: bool, fill: bool) -> None:
        self.canvas.rect(x, y, width, height, stroke=int(stroke), fill=int(fill))

    def line(self, x1: float, y1: float, x2: float, y2: float) -> None:
        self.canvas.line(x1, y1, x2, y2)

    def circle(self, cx: float, cy: float, radius: float, *, stroke: bool, fill: bool) -> None:
        self.canvas.circle(cx, cy, radius, stroke=int(stroke), fill=int(fill))

    def polygon(self, points: Sequence[tuple[float, float]], *, stroke: bool, fill: bool) -> None:
        path = self.canvas.beginPath()
        path.moveTo(*points[0])
        for point in points[1:]:
            path.lineTo(*point)
        path.close()
        self.canvas.drawPath(path, stroke=int(stroke), fill=int(fill))

    def fill_path(self, operators: bytes) -> None:
        self.canvas.addLiteral(operators.decode("ascii") + "\nf")

    def text(self, x: float, y: float, runs: Sequence[Run], size: float, spacing: float) -> None:
        obj = self.canvas.beginText(x, y)
        obj.setCharSpace(spacing)
        for font, chunk in runs:
            obj.setFont(font, size)
            obj.textOut(chunk)
        obj.setCharSpace(0)
        self.canvas.drawText(obj)
