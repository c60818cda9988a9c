"""The file around the objects: numbering, cross-reference offsets, trailer, strings and names."""

from __future__ import annotations

import re
import zlib

import pytest

from certificates.pdf_writer import ObjectRun, flate_stream, pdf_name, text_string, write_document


def test_object_runs_know_their_numbers_and_offsets() -> None:
    run = ObjectRun.of(5, [b"<< /A 1 >>", b"[1 2 3]"])
    assert run.next == 7
    assert run.data[run.offsets[0] :].startswith(b"5 0 obj\n<< /A 1 >>\nendobj\n")
    assert run.data[run.offsets[1] :].startswith(b"6 0 obj\n[1 2 3]\nendobj\n")


def test_every_cross_reference_entry_points_at_its_object() -> None:
    pdf = write_document(
        [
            ObjectRun.of(1, [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]),
            ObjectRun.of(3, [b"<< /Producer (test) >>"]),
        ],
        root=1,
        info=3,
    )
    assert pdf.startswith(b"%PDF-1.4\n%")
    xref_at = int(re.search(rb"startxref\n(\d+)\n%%EOF\n$", pdf).group(1))  # type: ignore[union-attr]
    assert pdf[xref_at:].startswith(b"xref\n0 4\n0000000000 65535 f \n")
    entries = re.findall(rb"(\d{10}) 00000 n \n", pdf[xref_at:])
    assert len(entries) == 3
    for number, offset in enumerate(entries, start=1):
        assert pdf[int(offset) :].startswith(b"%d 0 obj\n" % number)
    trailer = pdf[pdf.rindex(b"trailer") :]
    assert b"/Size 4 /Root 1 0 R /Info 3 0 R" in trailer
    first, second = re.search(rb"/ID \[<([0-9A-F]{32})> <([0-9A-F]{32})>\]", trailer).groups()  # type: ignore[union-attr]
    assert first == second


def test_the_file_id_differs_with_the_content() -> None:
    ids = {
        re.search(rb"/ID \[<(\w+)>", write_document([ObjectRun.of(1, [body])], root=1, info=1)).group(1)  # type: ignore[union-attr]
        for body in (b"<< /A 1 >>", b"<< /A 2 >>")
    }
    assert len(ids) == 2


def test_gaps_in_the_numbering_are_refused() -> None:
    with pytest.raises(ValueError, match="without gaps"):
        write_document([ObjectRun.of(1, [b"null"]), ObjectRun.of(3, [b"null"])], root=1, info=1)


def test_streams_say_their_length_and_filter() -> None:
    packed = zlib.compress(b"0 0 m 1 1 l S")
    stream = flate_stream(packed, b"/Length1 13")
    assert stream.startswith(b"<< /Length %d /Filter /FlateDecode /Length1 13 >>\nstream\n" % len(packed))
    assert stream.endswith(packed + b"\nendstream")


def test_text_strings() -> None:
    assert text_string("1.2.156.3005") == b"(1.2.156.3005)"
    assert text_string("a(b)\\c") == b"(a\\(b\\)\\\\c)"
    assert text_string("证照") == b"<FEFF8BC17167>"
    assert (
        text_string("tab\there") == b"<FEFF" + "tab\there".encode("utf-16-be").hex().upper().encode() + b">"
    )


def test_names_escape_what_a_name_cannot_hold() -> None:
    assert pdf_name(b"ABCDEF+DroidSansFallback") == b"/ABCDEF+DroidSansFallback"
    assert pdf_name(b"My Font#1(x)") == b"/My#20Font#231#28x#29"
