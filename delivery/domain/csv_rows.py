"""The CSV a clerk imports with `certpost issue --csv`: its columns, and one row turned into a request body.

The columns are the certificate type's own field keys plus fixed holder and delivery columns, so a
spreadsheet exported for one type needs no mapping. A row becomes exactly the JSON body the API accepts and
goes through the same validation (:func:`delivery.domain.intake.parse_new_certificate`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from certificates import CertificateType

__all__ = ["DELIVERY_COLUMNS", "HOLDER_COLUMNS", "check_header", "columns_for", "row_to_body"]

HOLDER_COLUMNS = ("holder_name", "holder_id_number")
DELIVERY_COLUMNS = (
    "delivery_method",
    "carrier",
    "recipient_name",
    "recipient_phone",
    "recipient_province",
    "recipient_city",
    "recipient_county",
    "recipient_address",
)


def columns_for(kind: CertificateType) -> list[str]:
    """Every column the CSV for ``kind`` may have, in a sensible order for a spreadsheet."""
    return [*HOLDER_COLUMNS, *kind.keys, *DELIVERY_COLUMNS]


def check_header(header: Sequence[str] | None, kind: CertificateType) -> list[str]:
    """Problems with the header row; a misspelt column would otherwise silently drop a field on every row."""
    if not header:
        return ["the file is empty: the first line must name the columns"]
    names = [name.strip() for name in header]
    known = set(columns_for(kind))
    problems = [f"unknown column {name!r}" for name in names if name not in known]
    required = [*HOLDER_COLUMNS, *(spec.key for spec in kind.fields if spec.required), "delivery_method"]
    problems += [f"missing column {name!r}" for name in required if name not in names]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    problems += [f"column {name!r} appears twice" for name in duplicates]
    return problems


def row_to_body(row: Mapping[str, str | None], kind: CertificateType) -> dict[str, Any]:
    """The API create body for one CSV row (empty cells are left out, so required ones are reported)."""

    def cell(name: str) -> str:
        return (row.get(name) or "").strip()

    body: dict[str, Any] = {
        "type": kind.code,
        "holder": {"name": cell("holder_name"), "id_number": cell("holder_id_number")},
        "fields": {key: cell(key) for key in kind.keys if cell(key)},
    }
    method = cell("delivery_method")
    delivery: dict[str, Any] = {"method": method}
    if method == "courier":
        delivery["carrier"] = cell("carrier")
        delivery["recipient"] = {
            part: cell(f"recipient_{part}")
            for part in ("name", "phone", "province", "city", "county", "address")
        }
    body["delivery"] = delivery if method else None
    return body
