"""Electronic licence identifiers (电子证照标识) in the shape of GB/T 36904.

An identifier reads ``1.2.156.3005.2.<licence type code>.<issuer code>.<serial>.<version>.<check>``:

* ``1.2.156.3005.2`` is the fixed OID arc for Chinese electronic licences;
* the licence type code (证照类型代码) has 21 characters — the catalog code of the certificate type;
* the issuer code (颁发机构代码) is the issuing authority's 18-character unified social credit code, whose own
  GB 32100 check character must hold;
* the serial (流水号) is assigned by the issuer, upper-case letters and digits;
* the version is three digits (``001`` for the first issue, higher for re-issues);
* the check character is ISO/IEC 7064 MOD 37,36 computed over every other character of the identifier with
  the dots removed, so every single mistyped character and nearly every swap of neighbours is caught when
  a citizen types it in.

Pure functions, no I/O: the service stores the identifier string and calls :func:`parse_identifier` on
input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum.cn import uscc
from stdnum.iso7064 import mod_37_36

from .errors import IdentifierError

__all__ = [
    "DEV_ISSUER_CODE",
    "OID_PREFIX",
    "LicenceIdentifier",
    "check_character",
    "make_identifier",
    "parse_identifier",
]

OID_PREFIX = "1.2.156.3005.2"
"""Fixed arc that starts every electronic licence identifier."""

DEV_ISSUER_CODE = "11330100MB0000001R"
"""A well-formed unified social credit code (valid GB 32100 check) for development and tests only.

It belongs to no real authority; production configuration must set the hall's real code.
"""

_CATALOG = re.compile(r"[0-9A-Z]{21}")
_SERIAL = re.compile(r"[0-9A-Z]{1,32}")
_VERSION = re.compile(r"[0-9]{3}")
_SEGMENTS = 10  # five for the OID arc, then catalog, issuer, serial, version, check


@dataclass(frozen=True)
class LicenceIdentifier:
    """The parts of a parsed identifier; ``str()`` gives the canonical dotted form back."""

    catalog_code: str
    issuer_code: str
    serial: str
    version: int
    check: str

    def __str__(self) -> str:
        return f"{_body(self.catalog_code, self.issuer_code, self.serial, self.version)}.{self.check}"


def _body(catalog_code: str, issuer_code: str, serial: str, version: int) -> str:
    return f"{OID_PREFIX}.{catalog_code}.{issuer_code}.{serial}.{version:03d}"


def check_character(body: str) -> str:
    """Return the MOD 37,36 check character for an identifier body (with or without its dots).

    stdnum's implementation indexes into ``0-9A-Z`` and raises on anything else, so the body is validated
    first and a helpful :class:`IdentifierError` is raised instead of a bare ``ValueError``.
    """
    compact = body.replace(".", "")
    if not re.fullmatch(r"[0-9A-Z]+", compact):
        raise IdentifierError(
            f"identifier body {body!r} may only contain digits, upper-case letters and dots"
        )
    return mod_37_36.calc_check_digit(compact)


def _validate_parts(catalog_code: str, issuer_code: str, serial: str, version: int) -> None:
    if not _CATALOG.fullmatch(catalog_code):
        raise IdentifierError(f"licence type code {catalog_code!r} must be 21 upper-case letters or digits")
    if not uscc.is_valid(issuer_code) or uscc.compact(issuer_code) != issuer_code:
        raise IdentifierError(
            f"issuer code {issuer_code!r} is not a valid 18-character unified social credit code"
        )
    if not _SERIAL.fullmatch(serial):
        raise IdentifierError(f"serial {serial!r} must be 1-32 upper-case letters or digits")
    if not 0 <= version <= 999:
        raise IdentifierError(f"version {version} must be between 0 and 999")


def make_identifier(catalog_code: str, issuer_code: str, serial: int | str, version: int = 1) -> str:
    """Build the identifier string for a new certificate.

    An integer serial is written in decimal without padding; a string serial is used as given, so an issuer
    whose serials are zero-padded passes them as strings.
    """
    if isinstance(serial, bool):
        raise IdentifierError("serial must be an int or a str, not a bool")
    if isinstance(serial, int):
        if serial < 0:
            raise IdentifierError(f"serial {serial} must not be negative")
        serial = str(serial)
    _validate_parts(catalog_code, issuer_code, serial, version)
    body = _body(catalog_code, issuer_code, serial, version)
    return f"{body}.{check_character(body)}"


def parse_identifier(s: str) -> LicenceIdentifier:
    """Split and check an identifier typed or scanned by someone else.

    Surrounding white space is dropped and letters are upper-cased (citizens type them in lower case);
    anything
    else that is wrong — the arc, a segment's shape, the issuer's own check or the identifier's check
    character — raises :class:`IdentifierError` naming the segment.
    """
    text = s.strip().upper()
    parts = text.split(".")
    if len(parts) != _SEGMENTS:
        raise IdentifierError(
            f"identifier must have {_SEGMENTS} dot-separated segments, got {len(parts)}: {s!r}"
        )
    prefix = ".".join(parts[:5])
    if prefix != OID_PREFIX:
        raise IdentifierError(f"identifier must start with {OID_PREFIX}, got {prefix!r}")
    catalog_code, issuer_code, serial, version_text, check = parts[5:]
    if not _VERSION.fullmatch(version_text):
        raise IdentifierError(f"version {version_text!r} must be three digits")
    version = int(version_text)
    _validate_parts(catalog_code, issuer_code, serial, version)
    if len(check) != 1:
        raise IdentifierError(f"check segment {check!r} must be a single character")
    expected = check_character(_body(catalog_code, issuer_code, serial, version))
    if check != expected:
        raise IdentifierError(
            f"check character {check!r} does not match the identifier (expected {expected!r})"
        )
    return LicenceIdentifier(catalog_code, issuer_code, serial, version, check)
