"""Character codes of embedded subsets: fixed per template, added per document, and the font objects."""

from __future__ import annotations

import re
import zlib
from pathlib import Path

import pytest

from certificates.pdf_fonts import OBJECTS_PER_SUBSET, FixedCodes, Subset, TextEncoder, subset_objects
from certificates.typeset import FontSet, register_fonts

WORDING = "食品经营许可证经营者名称"


@pytest.fixture
def fonts(font_path: Path) -> FontSet:
    return register_fonts(font_path)


@pytest.fixture
def fixed(fonts: FontSet) -> FixedCodes:
    return FixedCodes(fonts.names, {fonts.cjk: WORDING, fonts.latin: "0123456789"})


def test_fixed_codes_are_in_code_point_order_after_the_missing_glyph(
    fonts: FontSet, fixed: FixedCodes
) -> None:
    cjk = [s for s in fixed.subsets if s.font == fonts.cjk]
    assert len(cjk) == 1
    assert cjk[0].codes == (0, *sorted(map(ord, set(WORDING))))
    for code, point in enumerate(cjk[0].codes[1:], start=1):
        assert fixed.codes[fonts.cjk][chr(point)] == (cjk[0].resource, code)
    again = FixedCodes(fonts.names, {fonts.cjk: reversed(WORDING), fonts.latin: "9876543210"})
    assert again.subsets == fixed.subsets


def test_more_than_255_fixed_characters_take_several_subsets(fonts: FontSet) -> None:
    many = "".join(chr(0x4E00 + i) for i in range(600))
    fixed = FixedCodes(fonts.names, {fonts.cjk: many})
    assert [len(s.codes) for s in fixed.subsets] == [256, 256, 91]  # 255 + 255 + 90 characters
    assert len({s.resource for s in fixed.subsets}) == 3


def test_documents_add_subsets_of_their_own(fonts: FontSet, fixed: FixedCodes) -> None:
    encoder = TextEncoder(fixed)
    pieces = encoder.encode(fonts.cjk, "经营者李华")
    (fixed_resource, fixed_codes), (own_resource, own_codes) = pieces
    assert fixed_resource == fixed.subsets[0].resource
    assert len(fixed_codes) == 3
    assert own_resource == b"F0D0"
    assert own_codes == b"\x01\x02"
    assert encoder.encode(fonts.cjk, "华李") == [(b"F0D0", b"\x02\x01")]
    assert encoder.new_subsets() == [Subset(fonts.cjk, b"F0D0", (0, ord("李"), ord("华")))]
    # another document starts again from the template's codes
    assert TextEncoder(fixed).encode(fonts.cjk, "华") == [(b"F0D0", b"\x01")]


def test_a_document_with_many_new_characters_gets_several_subsets(fonts: FontSet, fixed: FixedCodes) -> None:
    encoder = TextEncoder(fixed)
    text = "".join(chr(0x5000 + i) for i in range(300))
    pieces = encoder.encode(fonts.cjk, text)
    assert [(resource, len(codes)) for resource, codes in pieces] == [(b"F0D0", 255), (b"F0D1", 45)]
    assert [len(s.codes) for s in encoder.new_subsets()] == [256, 46]


def test_text_of_fixed_characters_is_encoded_once(fonts: FontSet, fixed: FixedCodes) -> None:
    first = TextEncoder(fixed).encode(fonts.cjk, "经营者名称")
    assert TextEncoder(fixed).encode(fonts.cjk, "经营者名称") is first


def test_a_frozen_encoder_refuses_characters_outside_the_template(fonts: FontSet, fixed: FixedCodes) -> None:
    with pytest.raises(ValueError, match="not among the template's characters"):
        TextEncoder(fixed, frozen=True).encode(fonts.cjk, "经营者李华")


def test_subset_objects_refer_to_each_other(fonts: FontSet) -> None:
    subset = Subset(fonts.cjk, b"F0D0", (0, ord("李"), ord("华")))
    font, descriptor, program, to_unicode = subset_objects(subset, 20)
    assert OBJECTS_PER_SUBSET == 4
    assert b"/Subtype /TrueType" in font
    assert b"/FirstChar 0 /LastChar 2 " in font
    widths = re.search(rb"/Widths \[([^\]]*)\]", font).group(1).split()  # type: ignore[union-attr]
    assert len(widths) == 3
    assert b"/FontDescriptor 21 0 R /ToUnicode 23 0 R" in font
    assert b"/FontFile2 22 0 R" in descriptor
    tag = re.search(rb"/BaseFont /([A-Z]{6})\+", font)
    assert tag is not None
    assert b"/FontName /%s+" % tag.group(1) in descriptor
    raw = zlib.decompress(program[program.index(b"stream\n") + 7 : program.rindex(b"\nendstream")])
    assert b"/Length1 %d" % len(raw) in program
    assert raw[:4] == b"\x00\x01\x00\x00"  # a TrueType font program
    cmap = zlib.decompress(to_unicode[to_unicode.index(b"stream\n") + 7 : to_unicode.rindex(b"\nendstream")])
    assert b"<01> <674e>" in cmap
    assert b"<02> <534e>" in cmap
    other = subset_objects(Subset(fonts.cjk, b"F0D1", (0, ord("王"))), 20)[0]
    assert re.search(rb"/BaseFont /([A-Z]{6})\+", other).group(1) != tag.group(1)  # type: ignore[union-attr]
