"""Finding an embeddable CJK TrueType font, and telling the operator what to do when there is none."""

from __future__ import annotations

from pathlib import Path

import pytest

from certificates.errors import FontMissingError
from certificates.fonts import CONFIG_KEY, find_cjk_font
from certificates.typeset import LATIN_FONT_PATH


def test_finds_a_font_on_this_machine(font_path: Path) -> None:
    assert font_path.is_file()


def test_configured_font_is_used(font_path: Path) -> None:
    assert find_cjk_font(str(font_path)) == font_path


def test_configured_font_must_exist(tmp_path: Path) -> None:
    with pytest.raises(FontMissingError, match=CONFIG_KEY):
        find_cjk_font(tmp_path / "missing.ttf")


def test_configured_file_that_is_no_font_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.ttf"
    bogus.write_bytes(b"OTTO" + b"\0" * 200)  # CFF-flavoured OpenType signature, no tables
    with pytest.raises(FontMissingError, match="TrueType"):
        find_cjk_font(bogus)


def test_latin_only_font_is_refused() -> None:
    with pytest.raises(FontMissingError, match="no Chinese glyphs"):
        find_cjk_font(LATIN_FONT_PATH)


def test_search_skips_unusable_candidates(tmp_path: Path, font_path: Path) -> None:
    candidates = [
        (str(tmp_path / "absent.ttf"), "fonts-x"),
        (str(LATIN_FONT_PATH), "fonts-y"),
        (str(font_path), "z"),
    ]
    assert find_cjk_font(None, candidates=candidates) == font_path


def test_nothing_found_says_what_to_install_and_set(tmp_path: Path) -> None:
    with pytest.raises(FontMissingError) as caught:
        find_cjk_font(None, candidates=[(str(tmp_path / "absent.ttf"), "fonts-droid-fallback")])
    message = str(caught.value)
    assert "apt-get install fonts-droid-fallback" in message
    assert CONFIG_KEY in message
