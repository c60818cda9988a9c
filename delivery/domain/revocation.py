"""Validating a revocation request: a certificate is only withdrawn with a reason a person can read later."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from delivery.domain.intake import IntakeError

__all__ = ["MAX_REASON", "parse_reason"]

MAX_REASON = 500


def parse_reason(body: Any) -> str:
    """The stripped reason from ``{"reason": "..."}``; :class:`IntakeError` (422) when missing or unusable."""
    if not isinstance(body, Mapping):
        raise IntakeError("invalid_body", "The request body must be a JSON object with a reason.", status=400)
    reason = body.get("reason")
    if reason is None or (isinstance(reason, str) and not reason.strip()):
        raise IntakeError("missing_field", "reason is required to revoke a certificate.", field="reason")
    if not isinstance(reason, str):
        raise IntakeError("invalid_field", "reason must be text.", field="reason")
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise IntakeError("invalid_field", f"reason is longer than {MAX_REASON} characters.", field="reason")
    return reason
