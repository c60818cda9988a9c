"""Masking personal data for public answers: the citizen's data is theirs, not the internet's."""

from __future__ import annotations

__all__ = ["mask_address", "mask_id_number", "mask_name", "mask_phone", "phone_tail"]


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***; a one-character name shows only '*'."""
    name = name.strip()
    if len(name) <= 1:
        return "*" if name else ""
    return name[0] + "*" * (len(name) - 1)


def mask_phone(phone: str) -> str:
    """13812341234 → 138****1234; shorter numbers keep only their last four digits."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) >= 11:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    if len(digits) > 4:
        return "*" * (len(digits) - 4) + digits[-4:]
    return "*" * len(digits)


def mask_address(province: str, city: str, county: str) -> str:
    """The address cut to the district: street and house number are never shown publicly."""
    return "".join(part for part in (province, city, county) if part)


def mask_id_number(value: str) -> str:
    """Keep the first 3 and last 4 characters of an identity document number."""
    value = value.strip()
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def phone_tail(phone: str) -> str:
    """The last four digits a citizen proves knowledge of when tracking."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return digits[-4:]
