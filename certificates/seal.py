"""The issuing authority's round red seal (公章), drawn on a :class:`~certificates.surface.Surface`.

The seal follows the usual shape of a Chinese official seal: a red ring, the authority's name running
clockwise along the upper arc, a five-pointed star in the middle and the seal's purpose (e.g.
行政审批专用章) in a straight line below the star. The visible PAdES signature field is placed over it, so a
viewer that shows the signature shows it on the seal.
"""

from __future__ import annotations

import math

from .surface import Surface
from .typeset import FontSet, draw_text

__all__ = ["SEAL_RED", "draw_seal"]

SEAL_RED = (0.86, 0.08, 0.10)
_MAX_SPAN = 250.0  # degrees of the ring the name may cover; the rest stays open at the bottom


def _star(surface: Surface, cx: float, cy: float, outer: float) -> None:
    inner = outer * 0.382
    points = []
    for i in range(10):
        radius = outer if i % 2 == 0 else inner
        angle = math.pi / 2 + i * math.pi / 5
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    surface.polygon(points, stroke=False, fill=True)


def draw_seal(
    surface: Surface, fonts: FontSet, cx: float, cy: float, radius: float, issuer_name: str, caption: str
) -> None:
    """Draw the seal centred on (cx, cy).

    The name's characters sit one character-width apart along the upper arc (a short name is not stretched
    round the whole ring); a long name is set smaller to stay within the arc. Each character is rotated so its
    foot points at the centre.
    """
    surface.save_state()
    surface.stroke_rgb(*SEAL_RED)
    surface.fill_rgb(*SEAL_RED)
    # seal ink lets the print below show through, like a real stamp
    surface.alpha(0.9, 0.9)
    surface.line_width(radius * 0.055)
    surface.circle(cx, cy, radius * 0.96, stroke=True, fill=False)

    _star(surface, cx, cy, radius * 0.3)

    name = issuer_name.strip()
    if name:
        size = radius * 0.24
        # baseline radius: glyph tops stop just inside the ring
        text_radius = radius * 0.86 - size * 0.9
        char_angle = math.degrees(size * 1.1 / text_radius)
        if (len(name) - 1) * char_angle > _MAX_SPAN:
            char_angle = _MAX_SPAN / (len(name) - 1)
            size = math.radians(char_angle) * text_radius / 1.1
        start = 90 + (len(name) - 1) * char_angle / 2
        for i, ch in enumerate(name):
            surface.save_state()
            surface.translate(cx, cy)
            surface.rotate(start - i * char_angle - 90)
            draw_text(surface, fonts, ch, size, 0, text_radius, align="centre")
            surface.restore_state()

    if caption.strip():
        draw_text(surface, fonts, caption.strip(), radius * 0.15, cx, cy - radius * 0.58, align="centre")
    surface.restore_state()
