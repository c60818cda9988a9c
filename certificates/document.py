"""One certificate's content, ready to be rendered: plain, immutable, picklable.

The service builds a :class:`CertificateDocument` from its stored certificate and hands it to the producer,
which ships it to a worker process; nothing here touches storage or the network. Construction checks the
rules that would otherwise surface as a half-empty or mislabelled licence: required fields present, no
unknown fields, the identifier well-formed and of this type, and a time zone on the issue time (a naive time
printed on a licence or put into signature metadata is ambiguous).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from .errors import DocumentError
from .identifier import parse_identifier
from .types import CertificateType

__all__ = ["CHINA_TIME", "CertificateDocument"]

CHINA_TIME = timezone(timedelta(hours=8), "CST")
"""Beijing time: dates printed on a licence are in it, whatever zone the service stores times in."""


@dataclass(frozen=True)
class CertificateDocument:
    """Everything printed on one certificate.

    ``fields`` is copied into a plain ``dict`` on construction so later changes to the caller's mapping
    cannot alter a document already queued for rendering (and so it pickles).
    """

    identifier: str
    type: CertificateType
    holder_name: str
    holder_id_number: str
    fields: Mapping[str, str]
    issuer_name: str
    issued_at: datetime
    verify_url: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields", dict(self.fields))
        try:
            parsed = parse_identifier(self.identifier)
        except ValueError as e:
            raise DocumentError(f"identifier: {e}") from e
        if parsed.catalog_code != self.type.catalog_code:
            raise DocumentError(
                f"identifier {self.identifier} carries licence type code {parsed.catalog_code}, "
                f"but type {self.type.code!r} has {self.type.catalog_code}"
            )
        for name in ("holder_name", "holder_id_number", "issuer_name", "verify_url"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise DocumentError(f"{name} must be a non-empty string")
        if self.issued_at.tzinfo is None or self.issued_at.utcoffset() is None:
            raise DocumentError("issued_at must carry a time zone")
        self._check_fields()

    def _check_fields(self) -> None:
        known = set(self.type.keys)
        unknown = sorted(set(self.fields) - known)
        if unknown:
            raise DocumentError(f"type {self.type.code!r} has no fields {', '.join(unknown)}")
        for key, value in self.fields.items():
            if not isinstance(value, str):
                raise DocumentError(f"field {key!r} must be a string, got {type(value).__name__}")
        missing = [
            spec.key
            for spec in self.type.fields
            if spec.required and not self.fields.get(spec.key, "").strip()
        ]
        if missing:
            raise DocumentError(f"type {self.type.code!r} requires fields {', '.join(missing)}")

    @property
    def issued_local(self) -> datetime:
        """The issue time in Beijing time, as printed (a UTC time after 16:00 is already the next day)."""
        return self.issued_at.astimezone(CHINA_TIME)

    def value(self, key: str) -> str:
        """The field's value, or an empty string for an optional field left out."""
        return self.fields.get(key, "")
