"""GB/T 36904-shaped identifiers: structure, the MOD 37,36 check character and the issuer's USCC check."""

from __future__ import annotations

import pytest
from stdnum.cn import uscc
from stdnum.iso7064 import mod_37_36

from certificates.errors import IdentifierError
from certificates.identifier import (
    DEV_ISSUER_CODE,
    OID_PREFIX,
    LicenceIdentifier,
    check_character,
    make_identifier,
    parse_identifier,
)

CATALOG = "11100000MB0143028R001"
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def test_dev_issuer_code_is_a_valid_uscc() -> None:
    assert uscc.validate(DEV_ISSUER_CODE) == DEV_ISSUER_CODE
    assert len(DEV_ISSUER_CODE) == 18


def test_identifier_has_the_standard_shape() -> None:
    identifier = make_identifier(CATALOG, DEV_ISSUER_CODE, 42, version=3)
    body, check = identifier.rsplit(".", 1)
    assert body == f"{OID_PREFIX}.{CATALOG}.{DEV_ISSUER_CODE}.42.003"
    assert check == mod_37_36.calc_check_digit(body.replace(".", ""))
    assert mod_37_36.is_valid((body + check).replace(".", ""))


def test_parse_round_trips_make() -> None:
    identifier = make_identifier(CATALOG, DEV_ISSUER_CODE, "000123")
    parsed = parse_identifier(identifier)
    assert parsed == LicenceIdentifier(CATALOG, DEV_ISSUER_CODE, "000123", 1, identifier[-1])
    assert str(parsed) == identifier


def test_parse_accepts_lower_case_and_surrounding_space() -> None:
    identifier = make_identifier(CATALOG, DEV_ISSUER_CODE, 7)
    assert str(parse_identifier(f"  {identifier.lower()}\n")) == identifier


def test_wrong_check_character_is_rejected() -> None:
    identifier = make_identifier(CATALOG, DEV_ISSUER_CODE, 123456)
    for wrong in ALPHABET.replace(identifier[-1], ""):
        with pytest.raises(IdentifierError, match="check character"):
            parse_identifier(identifier[:-1] + wrong)


def test_changing_any_one_character_changes_the_check() -> None:
    body = f"{OID_PREFIX}.{CATALOG}.{DEV_ISSUER_CODE}.20260001.001"
    original = check_character(body)
    for i, ch in enumerate(body):
        if ch == ".":
            continue
        for other in ALPHABET.replace(ch, "")[:6]:
            assert check_character(body[:i] + other + body[i + 1 :]) != original, (i, other)


def test_flipped_character_in_an_identifier_is_caught() -> None:
    identifier = make_identifier(CATALOG, DEV_ISSUER_CODE, 20260001)
    serial_at = identifier.index(".20260001.") + 1
    tampered = identifier[:serial_at] + "3" + identifier[serial_at + 1 :]
    with pytest.raises(IdentifierError):
        parse_identifier(tampered)


def test_invalid_issuer_code_is_rejected() -> None:
    bad = DEV_ISSUER_CODE[:-1] + ("0" if DEV_ISSUER_CODE[-1] != "0" else "1")
    assert not uscc.is_valid(bad)
    with pytest.raises(IdentifierError, match="unified social credit code"):
        make_identifier(CATALOG, bad, 1)


@pytest.mark.parametrize(
    ("catalog", "serial", "version", "message"),
    [
        ("11100000MB0143028R01", 1, 1, "21"),
        ("11100000mb0143028r001", 1, 1, "21"),
        (CATALOG, -1, 1, "negative"),
        (CATALOG, "12-3", 1, "serial"),
        (CATALOG, "", 1, "serial"),
        (CATALOG, 1, 1000, "version"),
        (CATALOG, True, 1, "bool"),
    ],
)
def test_make_rejects_bad_parts(catalog: str, serial: int | str, version: int, message: str) -> None:
    with pytest.raises(IdentifierError, match=message):
        make_identifier(catalog, DEV_ISSUER_CODE, serial, version)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "1.2.156.3005.2",
        f"1.2.156.3005.3.{CATALOG}.{DEV_ISSUER_CODE}.1.001.X",
        f"{OID_PREFIX}.{CATALOG}.{DEV_ISSUER_CODE}.1.01.X",
        f"{OID_PREFIX}.{CATALOG}.{DEV_ISSUER_CODE}.1.001.XY",
        f"{OID_PREFIX}.{CATALOG}.{DEV_ISSUER_CODE}.1.001",
        f"{OID_PREFIX}.{CATALOG}.{DEV_ISSUER_CODE}.1.2.001.X",
    ],
)
def test_parse_rejects_bad_structure(text: str) -> None:
    with pytest.raises(IdentifierError):
        parse_identifier(text)


def test_identifier_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the point is the base class
        parse_identifier("nonsense")
