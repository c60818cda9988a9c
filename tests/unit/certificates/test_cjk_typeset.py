"""Chinese line breaking rules and the split of text between the CJK font and the Latin fallback."""

from __future__ import annotations

from pathlib import Path

from certificates.typeset import register_fonts, wrap


def measure(text: str) -> float:
    """Every character one unit wide: widths in tests are character counts."""
    return float(len(text))


def test_lines_fit_and_nothing_is_lost() -> None:
    text = "热食类食品制售冷食类食品制售生食类食品制售自制饮品制售预包装食品销售"
    lines = wrap(text, 8, measure)
    assert all(len(line) <= 8 for line in lines)
    assert "".join(lines) == text


def test_closing_punctuation_never_starts_a_line() -> None:
    lines = wrap("一二三四五六七八，九十", 8, measure)
    assert lines == ["一二三四五六七八，", "九十"]


def test_opening_punctuation_never_ends_a_line() -> None:
    lines = wrap("一二三四五六七（八九）", 8, measure)
    assert lines[0] == "一二三四五六七"
    assert lines[1].startswith("（")


def test_latin_runs_stay_together() -> None:
    lines = wrap("许可证编号JY23301060123456", 12, measure)
    assert lines == ["许可证编号", "JY23301060123456"[:12], "3456"]
    lines = wrap("编号JY2330", 5, measure)
    assert lines == ["编号", "JY233", "0"]
    assert wrap("编号JY23", 8, measure) == ["编号JY23"]
    assert wrap("一二三四ABCD", 6, measure) == ["一二三四", "ABCD"]


def test_newlines_start_new_lines() -> None:
    assert wrap("第一行\n第二行", 20, measure) == ["第一行", "第二行"]


def test_digits_go_to_the_latin_font(font_path: Path) -> None:
    fonts = register_fonts(font_path)
    runs = fonts.runs("2026年11月")
    assert runs == [(fonts.latin, "2026"), (fonts.cjk, "年"), (fonts.latin, "11"), (fonts.cjk, "月")]
    assert fonts.width("2026年", 10) > fonts.width("年", 10) > 0
