"""Finding a CJK font that reportlab can embed.

reportlab embeds only TrueType outlines (``glyf``); the popular Noto/Source Han CJK fonts are OpenType with
CFF outlines and are refused, and a certificate whose Chinese text falls back to a non-embedded font shows
boxes on the citizen's phone. So a font is accepted only after reportlab itself has parsed it, and when none
is found the error says exactly what to install and which setting to point at it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from reportlab.pdfbase.ttfonts import TTFError, TTFont

from .errors import FontMissingError

__all__ = ["CONFIG_KEY", "KNOWN_FONTS", "check_truetype", "find_cjk_font"]

CONFIG_KEY = "certificates.font_path"
"""The configuration key the operator sets to choose a font explicitly."""

KNOWN_FONTS: tuple[tuple[str, str], ...] = (
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", "fonts-droid-fallback"),
    ("/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf", "fonts-arphic-gbsn00lp"),
    ("/usr/share/fonts/truetype/arphic-gkai00mp/gkai00mp.ttf", "fonts-arphic-gkai00mp"),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "fonts-wqy-microhei"),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "fonts-wqy-zenhei"),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", "fonts-arphic-uming"),
)
"""(path, Debian package) pairs searched in order; all are TrueType-outline fonts with GB 2312 coverage."""

_PROBE = "证照"  # two common hanzi: a Latin-only TrueType font must not be taken for a CJK one


def check_truetype(path: Path) -> None:
    """Raise :class:`FontMissingError` unless reportlab can embed ``path`` and it has Chinese glyphs."""
    try:
        font = TTFont("certpost-probe", str(path))
    except (TTFError, OSError) as e:
        raise FontMissingError(
            f"font {path} cannot be embedded by reportlab ({e}); it must be a TrueType (glyf) font, "
            f"not OpenType/CFF such as Noto Sans CJK. Install fonts-droid-fallback or set {CONFIG_KEY}."
        ) from e
    missing = [ch for ch in _PROBE if ord(ch) not in font.face.charToGlyph]
    if missing:
        raise FontMissingError(
            f"font {path} has no Chinese glyphs ({''.join(missing)} missing); "
            f"install fonts-droid-fallback or set {CONFIG_KEY} to a CJK TrueType font"
        )


def find_cjk_font(
    configured: str | Path | None = None, *, candidates: Sequence[tuple[str, str]] = KNOWN_FONTS
) -> Path:
    """Return the configured font if given (it must exist and be usable), else the first known Debian font.

    ``candidates`` exists for tests; the service keeps the default list.
    A configured path that is wrong is an error even if another font would be found: the operator asked
    for that font, and silently printing licences in another one hides the mistake.
    """
    if configured is not None and str(configured).strip():
        path = Path(configured).expanduser()
        if not path.is_file():
            raise FontMissingError(f"font {path} set in {CONFIG_KEY} does not exist")
        check_truetype(path)
        return path
    for candidate, _package in candidates:
        path = Path(candidate)
        if path.is_file():
            try:
                check_truetype(path)
            except FontMissingError:
                continue
            return path
    packages = ", ".join(package for _, package in candidates)
    raise FontMissingError(
        "no CJK TrueType font found for certificate PDFs: install one with "
        f"'apt-get install fonts-droid-fallback' (or one of {packages}), "
        f"or set {CONFIG_KEY} (environment CERTPOST_CERTIFICATES_FONT_PATH) to a TrueType font file"
    )
