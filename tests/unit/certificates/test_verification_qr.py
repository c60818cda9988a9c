"""The verification QR code: our matrices are segno's, and what is drawn is exactly their dark modules."""

from __future__ import annotations

import re
import string
from collections.abc import Sequence

import pytest
import segno
from hypothesis import given, settings
from hypothesis import strategies as st

from certificates.qr import QUIET_ZONE, draw_qr, qr_matrix
from certificates.qr_matrix import MAX_BYTES, encode_matrix
from certificates.surface import Run

SAMPLE_URL = "http://localhost:8080/verify/1.2.156.3005.2.11100000MB0143028R001.11330100MB0000001R.2.001.Q"
# byte capacity at level M of versions 1-10
CAPACITY = (14, 26, 42, 62, 84, 106, 122, 152, 180, 213)


def segno_matrix(text: str, mode: str | None = "byte") -> list[bytes]:
    code = segno.make(text, error="m", mode=mode, micro=False, mask=4, boost_error=False)
    return [bytes(row) for row in code.matrix]


def test_sample_url_matrix_is_segnos() -> None:
    matrix = encode_matrix(SAMPLE_URL)
    assert matrix is not None
    assert len(matrix) == 41  # version 6
    assert matrix == segno_matrix(SAMPLE_URL)
    assert qr_matrix(SAMPLE_URL) == segno_matrix(SAMPLE_URL, mode=None)


@pytest.mark.parametrize("version", range(1, 11))
def test_every_version_at_its_capacity_edges(version: int) -> None:
    for length in (CAPACITY[version - 1] - 1, CAPACITY[version - 1]):
        text = (string.ascii_letters * 10)[:length]
        matrix = encode_matrix(text)
        assert matrix is not None
        assert len(matrix) == 17 + 4 * version
        assert matrix == segno_matrix(text)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=MAX_BYTES))
def test_any_short_ascii_text_gives_segnos_matrix(text: str) -> None:
    assert encode_matrix(text) == segno_matrix(text)


@pytest.mark.parametrize("text", ["x" * (MAX_BYTES + 1), "http://例子.cn/verify/1", "café"])
def test_text_we_do_not_cover_goes_to_segno(text: str) -> None:
    assert encode_matrix(text) is None
    assert qr_matrix(text) == segno_matrix(text, mode=None)


class RecordingSurface:
    """A Surface that keeps the transformation and the filled QR path; everything else is ignored."""

    def __init__(self) -> None:
        self.matrix: tuple[float, ...] | None = None
        self.path = b""
        self.fills: list[tuple[float, float, float, float]] = []

    def save_state(self) -> None: ...

    def restore_state(self) -> None: ...

    def fill_rgb(self, r: float, g: float, b: float) -> None: ...

    def stroke_rgb(self, r: float, g: float, b: float) -> None: ...

    def line_width(self, width: float) -> None: ...

    def alpha(self, fill: float, stroke: float) -> None: ...

    def translate(self, dx: float, dy: float) -> None: ...

    def rotate(self, degrees: float) -> None: ...

    def transform(self, a: float, b: float, c: float, d: float, e: float, f: float) -> None:
        self.matrix = (a, b, c, d, e, f)

    def rect(self, x: float, y: float, width: float, height: float, *, stroke: bool, fill: bool) -> None:
        if fill:
            self.fills.append((x, y, width, height))

    def line(self, x1: float, y1: float, x2: float, y2: float) -> None: ...

    def circle(self, cx: float, cy: float, radius: float, *, stroke: bool, fill: bool) -> None: ...

    def polygon(self, points: Sequence[tuple[float, float]], *, stroke: bool, fill: bool) -> None: ...

    def fill_path(self, operators: bytes) -> None:
        self.path += operators

    def text(self, x: float, y: float, runs: Sequence[Run], size: float, spacing: float) -> None: ...


def test_drawn_rectangles_are_exactly_the_dark_modules() -> None:
    surface = RecordingSurface()
    x, y, size = 62.0, 76.0, 92.0
    draw_qr(surface, x, y, size, SAMPLE_URL)
    expected = segno_matrix(SAMPLE_URL)
    n = len(expected)

    # the white square first, then the modules: one unit per module, y downwards from the top-left module
    assert surface.fills == [(x, y, size, size)]
    assert surface.matrix is not None
    step = size / (n + 2 * QUIET_ZONE)
    a, b, c, d, e, f = surface.matrix
    assert (a, b, c) == (pytest.approx(step), 0, 0)
    assert d == pytest.approx(-step)
    assert (e, f) == (pytest.approx(x + QUIET_ZONE * step), pytest.approx(y + size - QUIET_ZONE * step))

    drawn = [bytearray(n) for _ in range(n)]
    rects = re.findall(rb"(\d+) (\d+) (\d+)\.005 1\.005 re", surface.path)
    assert len(rects) == surface.path.count(b" re")
    for column, row, length in ((int(v) for v in rect) for rect in rects):
        for col in range(column, column + length):
            assert not drawn[row][col], "modules drawn twice"
            drawn[row][col] = 1
    assert [bytes(row) for row in drawn] == expected
