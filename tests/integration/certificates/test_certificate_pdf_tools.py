"""What independent PDF tools (poppler, qpdf) make of a signed certificate."""

from __future__ import annotations

import subprocess
from pathlib import Path

from certificates.document import CertificateDocument


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, check=False, timeout=120)


def tampered_copy(path: Path, tmp_path: Path) -> Path:
    """Flip one bit inside the page content stream, which lies in the first signed byte range."""
    data = bytearray(path.read_bytes())
    offset = data.index(b"stream", data.index(b"/Contents")) + 30
    data[offset] ^= 0x01
    out = tmp_path / f"tampered-{path.name}"
    out.write_bytes(bytes(data))
    return out


def test_every_font_is_embedded(signed_file: Path) -> None:
    result = run("pdffonts", signed_file)
    assert result.returncode == 0, result.stderr
    header, _rule, *rows = result.stdout.splitlines()
    emb = header.index("emb")
    assert rows, "no fonts listed"
    for row in rows:
        assert row[emb : emb + 3] == "yes", row


def test_text_extracts_as_chinese(signed_file: Path, document: CertificateDocument) -> None:
    result = run("pdftotext", "-enc", "UTF-8", signed_file, "-")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert document.holder_name in text
    assert document.type.title[:4] in text.replace(" ", "")
    assert document.identifier in text


def test_pdfsig_says_valid(signed_file: Path) -> None:
    result = run("pdfsig", signed_file)
    assert "Signature is Valid." in result.stdout, result.stdout + result.stderr
    assert "ETSI.CAdES.detached" in result.stdout


def test_pdfsig_rejects_a_flipped_byte(signed_file: Path, tmp_path: Path) -> None:
    result = run("pdfsig", tampered_copy(signed_file, tmp_path))
    assert "Signature Validation:" in result.stdout, result.stdout + result.stderr
    assert "Signature is Valid." not in result.stdout
    assert "Digest Mismatch" in result.stdout


def test_qpdf_check_passes(signed_file: Path) -> None:
    result = run("qpdf", "--check", signed_file)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors" in result.stdout


def test_page_renders_to_png(signed_file: Path, tmp_path: Path) -> None:
    result = run("pdftoppm", "-png", "-r", "60", "-singlefile", signed_file, tmp_path / "page")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "page.png").read_bytes().startswith(b"\x89PNG")
