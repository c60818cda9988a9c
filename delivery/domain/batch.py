"""Validating a batch request: a bounded list of certificate ids, each a positive integer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from delivery.domain.intake import IntakeError

__all__ = ["parse_ids"]


def parse_ids(body: Any, limit: int) -> list[int]:
    """The ids from ``{"ids": [...]}`` in order, duplicates dropped; :class:`IntakeError` when unusable.

    The whole request is refused (nothing done) when the list itself is wrong; a well-formed id that does
    not exist is the service's per-id answer instead.
    """
    if not isinstance(body, Mapping):
        raise IntakeError(
            "invalid_body", 'The request body must be a JSON object {"ids": [...]}.', status=400
        )
    ids = body.get("ids")
    if not isinstance(ids, list) or not ids:
        raise IntakeError("missing_field", "ids must be a non-empty list of certificate ids.", field="ids")
    if len(ids) > limit:
        raise IntakeError(
            "too_many", f"At most {limit} certificates can be marked ready in one request.", field="ids"
        )
    seen: dict[int, None] = {}
    for value in ids:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise IntakeError("invalid_field", f"ids must be positive integers, got {value!r}.", field="ids")
        seen.setdefault(value, None)
    return list(seen)
