"""The page as poppler draws it: the same as reportlab's rendering, and a QR code that is segno's matrix."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

import segno

from certificates.document import CertificateDocument
from certificates.fonts import find_cjk_font
from certificates.keys import KeyMaterial
from certificates.qr import QUIET_ZONE
from certificates.render import qr_box, render_pdf, render_pdf_reportlab, seal_box
from certificates.signing import load_signer, sign_pdf_bytes


@dataclasses.dataclass
class Raster:
    """A grey page from ``pdftoppm -gray``: one byte per pixel, 0 black and 255 white."""

    width: int
    height: int
    pixels: bytes
    scale: float  # pixels per point

    def at(self, x: float, y: float) -> int:
        """The pixel at (x, y) in PDF points (origin bottom left)."""
        return self.pixels[
            int((self.height / self.scale - y) * self.scale) * self.width + int(x * self.scale)
        ]


def raster(pdf: bytes, tmp_path: Path, dpi: int) -> Raster:
    source = tmp_path / "page.pdf"
    source.write_bytes(pdf)
    result = subprocess.run(
        ["pdftoppm", "-gray", "-r", str(dpi), "-singlefile", str(source), str(tmp_path / "page")],
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    data = (tmp_path / "page.pgm").read_bytes()
    magic, width, height, depth, pixels = data.split(maxsplit=4)
    assert (magic, depth) == (b"P5", b"255")
    return Raster(int(width), int(height), pixels, dpi / 72)


def test_page_is_drawn_like_reportlabs(document: CertificateDocument, tmp_path: Path) -> None:
    font = find_cjk_font(None)
    ours = raster(render_pdf(document, font), tmp_path, 100)
    theirs = raster(render_pdf_reportlab(document, font), tmp_path, 100)
    assert (ours.width, ours.height) == (theirs.width, theirs.height)
    x1, y1, x2, y2 = qr_box(document.type)
    differ_outside_qr = 0
    differ_in_qr = 0
    for index, (a, b) in enumerate(zip(ours.pixels, theirs.pixels, strict=True)):
        if abs(a - b) > 16:
            row, column = divmod(index, ours.width)
            x, y = column / ours.scale, ours.height / ours.scale - row / ours.scale
            if x1 - 1 <= x <= x2 + 1 and y1 - 1 <= y <= y2 + 1:
                differ_in_qr += 1
            else:
                differ_outside_qr += 1
    # text, frame, seal: the same pixels; the QR code's module edges may be anti-aliased a little differently
    assert differ_outside_qr == 0
    assert differ_in_qr < 0.01 * (x2 - x1) * (y2 - y1) * ours.scale**2


def test_qr_code_on_the_signed_page_is_segnos_matrix(
    document: CertificateDocument, dev_keys: KeyMaterial, tmp_path: Path
) -> None:
    signed = sign_pdf_bytes(
        render_pdf(document, find_cjk_font(None)), load_signer(dev_keys), field_box=seal_box(document.type)
    )
    page = raster(signed, tmp_path, 144)
    expected = segno.make(document.verify_url, error="m", micro=False, mask=4, boost_error=False).matrix
    x1, _y1, x2, y2 = qr_box(document.type)
    modules = len(expected) + 2 * QUIET_ZONE
    step = (x2 - x1) / modules
    drawn = [
        [int(page.at(x1 + (c + 0.5) * step, y2 - (r + 0.5) * step) < 128) for c in range(modules)]
        for r in range(modules)
    ]
    light = [0] * modules
    assert drawn[:QUIET_ZONE] == [light] * QUIET_ZONE
    assert drawn[-QUIET_ZONE:] == [light] * QUIET_ZONE
    inner = [row[QUIET_ZONE:-QUIET_ZONE] for row in drawn[QUIET_ZONE:-QUIET_ZONE]]
    assert inner == [list(row) for row in expected]

    if shutil.which("zbarimg") is not None:  # a real reader, where one is installed
        (tmp_path / "signed.pdf").write_bytes(signed)
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "150",
                "-singlefile",
                str(tmp_path / "signed.pdf"),
                str(tmp_path / "qr"),
            ],
            check=True,
            timeout=120,
        )
        decoded = subprocess.run(
            ["zbarimg", "-q", "--raw", str(tmp_path / "qr.png")], capture_output=True, text=True, timeout=120
        )
        assert decoded.stdout.strip() == document.verify_url


def test_a_certificate_with_hundreds_of_new_characters(
    document: CertificateDocument, dev_keys: KeyMaterial, tmp_path: Path
) -> None:
    # more characters than one 256-code subset holds, none of them in the template's wording
    rare = "".join(chr(0x9F00 + i) for i in range(300))
    key = "business_scope" if document.type.code == "food_business_licence" else "content"
    doc = dataclasses.replace(document, fields={**document.fields, key: rare})
    signed = sign_pdf_bytes(
        render_pdf(doc, find_cjk_font(None)), load_signer(dev_keys), field_box=seal_box(doc.type)
    )
    path = tmp_path / "rare.pdf"
    path.write_bytes(signed)

    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    header, _rule, *rows = fonts.splitlines()
    emb = header.index("emb")
    assert len(rows) >= 4  # the template's CJK and Latin subsets and two of this certificate's
    assert all(row[emb : emb + 3] == "yes" for row in rows), fonts
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert rare[:40] in "".join(text.split())
    assert doc.issuer_name in "".join(text.split())
    check = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert (
        "Signature is Valid." in subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout
    )
