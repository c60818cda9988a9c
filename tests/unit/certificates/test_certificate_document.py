"""A certificate document refuses data that does not fit its type, and travels to workers by pickle."""

from __future__ import annotations

import dataclasses
import pickle
from datetime import datetime

import pytest

from certificates.document import CertificateDocument
from certificates.errors import DocumentError
from certificates.identifier import DEV_ISSUER_CODE, make_identifier
from certificates.samples import sample_document
from certificates.types import CertificateType


def test_sample_documents_are_valid_and_picklable(document: CertificateDocument) -> None:
    copy = pickle.loads(pickle.dumps(document))
    assert copy == document
    assert copy.fields == document.fields


def test_fields_are_copied(types: dict[str, CertificateType]) -> None:
    kind = types["approval_notice"]
    base = sample_document(kind)
    fields = dict(base.fields)
    doc = dataclasses.replace(base, fields=fields)
    fields["matter"] = "changed later"
    assert doc.value("matter") == base.value("matter")


def test_missing_required_field_is_named(types: dict[str, CertificateType]) -> None:
    base = sample_document(types["food_business_licence"])
    fields = {k: v for k, v in base.fields.items() if k != "premises"}
    with pytest.raises(DocumentError, match="premises"):
        dataclasses.replace(base, fields=fields)


def test_blank_required_field_counts_as_missing(types: dict[str, CertificateType]) -> None:
    base = sample_document(types["food_business_licence"])
    with pytest.raises(DocumentError, match="premises"):
        dataclasses.replace(base, fields={**base.fields, "premises": "  "})


def test_optional_field_may_be_left_out(types: dict[str, CertificateType]) -> None:
    base = sample_document(types["food_business_licence"])
    doc = dataclasses.replace(base, fields={k: v for k, v in base.fields.items() if k != "supervisor"})
    assert doc.value("supervisor") == ""


def test_unknown_field_is_refused(types: dict[str, CertificateType]) -> None:
    base = sample_document(types["food_business_licence"])
    with pytest.raises(DocumentError, match="colour"):
        dataclasses.replace(base, fields={**base.fields, "colour": "red"})


def test_naive_issue_time_is_refused(types: dict[str, CertificateType]) -> None:
    base = sample_document(types["approval_notice"])
    with pytest.raises(DocumentError, match="time zone"):
        dataclasses.replace(base, issued_at=datetime(2026, 11, 28, 10, 0))


def test_identifier_must_belong_to_the_type(types: dict[str, CertificateType]) -> None:
    base = sample_document(types["approval_notice"])
    other = make_identifier(types["food_business_licence"].catalog_code, DEV_ISSUER_CODE, 1)
    with pytest.raises(DocumentError, match="licence type code"):
        dataclasses.replace(base, identifier=other)


def test_malformed_identifier_is_refused(types: dict[str, CertificateType]) -> None:
    base = sample_document(types["approval_notice"])
    with pytest.raises(DocumentError, match="identifier"):
        dataclasses.replace(base, identifier=base.identifier[:-1] + "#")


def test_empty_holder_is_refused(types: dict[str, CertificateType]) -> None:
    base = sample_document(types["approval_notice"])
    with pytest.raises(DocumentError, match="holder_name"):
        dataclasses.replace(base, holder_name=" ")
