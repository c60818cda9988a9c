"""Validating a new certificate as a clerk or upstream system submits it.

Everything a request can get wrong is found here, before anything is stored, and reported with the
field that is wrong in words a clerk understands.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import phonenumbers
from stdnum.cn import ric, uscc

__all__ = [
    "DELIVERY_METHODS",
    "DeliveryChoice",
    "IntakeError",
    "NewCertificate",
    "Recipient",
    "parse_new_certificate",
]

DELIVERY_METHODS = ("courier", "hall_pickup")
_RECIPIENT_FIELDS = ("name", "phone", "province", "city", "county", "address")
_MAX_TEXT = 200


class IntakeError(Exception):
    """A rejected request: `code` is stable for programs, the message is for people."""

    def __init__(self, code: str, message: str, *, field: str = "", status: int = 422) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.status = status


@dataclass(frozen=True, slots=True)
class Recipient:
    name: str
    phone: str
    province: str
    city: str
    county: str
    address: str


@dataclass(frozen=True, slots=True)
class DeliveryChoice:
    method: str
    carrier: str | None = None
    recipient: Recipient | None = None


@dataclass(frozen=True, slots=True)
class NewCertificate:
    type_code: str
    holder_name: str
    holder_id_number: str
    fields: Mapping[str, str] = field(default_factory=dict)
    delivery: DeliveryChoice = field(default_factory=lambda: DeliveryChoice("hall_pickup"))


def parse_new_certificate(
    body: Any,
    *,
    type_fields: Mapping[str, Collection[str]],
    carriers: Collection[str],
) -> NewCertificate:
    """`type_fields` maps each known type code to its required field keys."""
    if not isinstance(body, Mapping):
        raise IntakeError("invalid_body", "The request body must be a JSON object.", status=400)
    type_code = _text(body, "type", "type")
    if type_code not in type_fields:
        known = ", ".join(sorted(type_fields))
        raise IntakeError(
            "unknown_type", f"Unknown certificate type {type_code!r}; known types: {known}.", field="type"
        )
    holder = body.get("holder")
    if not isinstance(holder, Mapping):
        raise IntakeError(
            "invalid_field", "holder must be an object with name and id_number.", field="holder"
        )
    holder_name = _text(holder, "name", "holder.name")
    id_number = _text(holder, "id_number", "holder.id_number").upper()
    if not (ric.is_valid(id_number) or uscc.is_valid(id_number)):
        raise IntakeError(
            "invalid_field",
            "holder.id_number is neither a valid resident identity card number nor a valid unified "
            "social credit code (check the last character).",
            field="holder.id_number",
        )
    fields = _fields(body.get("fields", {}), type_fields[type_code])
    delivery = _delivery(body.get("delivery"), carriers)
    return NewCertificate(type_code, holder_name, id_number, fields, delivery)


def _text(obj: Mapping[str, Any], key: str, path: str, *, required: bool = True) -> str:
    value = obj.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise IntakeError("missing_field", f"{path} is required.", field=path)
        return ""
    if not isinstance(value, str):
        raise IntakeError("invalid_field", f"{path} must be a string.", field=path)
    value = value.strip()
    if len(value) > _MAX_TEXT:
        raise IntakeError("invalid_field", f"{path} is longer than {_MAX_TEXT} characters.", field=path)
    return value


def _fields(value: Any, required: Collection[str]) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise IntakeError("invalid_field", "fields must be an object of text values.", field="fields")
    fields: dict[str, str] = {}
    for key, item in value.items():
        if not isinstance(item, str | int | float) or isinstance(item, bool):
            raise IntakeError("invalid_field", f"fields.{key} must be text.", field=f"fields.{key}")
        fields[str(key)] = str(item).strip()
        if len(fields[str(key)]) > 2000:
            raise IntakeError("invalid_field", f"fields.{key} is too long.", field=f"fields.{key}")
    missing = [key for key in required if not fields.get(key)]
    if missing:
        raise IntakeError(
            "missing_field",
            f"fields.{missing[0]} is required for this certificate type.",
            field=f"fields.{missing[0]}",
        )
    return fields


def _delivery(value: Any, carriers: Collection[str]) -> DeliveryChoice:
    if value is None:
        raise IntakeError(
            "missing_field", "delivery is required (method courier or hall_pickup).", field="delivery"
        )
    if not isinstance(value, Mapping):
        raise IntakeError("invalid_field", "delivery must be an object.", field="delivery")
    method = _text(value, "method", "delivery.method")
    if method not in DELIVERY_METHODS:
        raise IntakeError(
            "invalid_field", "delivery.method must be courier or hall_pickup.", field="delivery.method"
        )
    if method == "hall_pickup":
        return DeliveryChoice(method)
    carrier = _text(value, "carrier", "delivery.carrier")
    if carrier not in carriers:
        known = ", ".join(sorted(carriers))
        raise IntakeError(
            "unknown_carrier",
            f"Carrier {carrier!r} is not enabled here; enabled: {known}.",
            field="delivery.carrier",
        )
    raw = value.get("recipient")
    if not isinstance(raw, Mapping):
        raise IntakeError(
            "missing_field",
            "delivery.recipient is required for courier delivery.",
            field="delivery.recipient",
        )
    parts = {key: _text(raw, key, f"delivery.recipient.{key}") for key in _RECIPIENT_FIELDS}
    parts["phone"] = _phone(parts["phone"])
    return DeliveryChoice(method, carrier, Recipient(**parts))


def _phone(text: str) -> str:
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number) or number.country_code != 86:
        raise IntakeError(
            "invalid_field",
            "delivery.recipient.phone is not a valid Chinese phone number.",
            field="delivery.recipient.phone",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL).replace(" ", "")
