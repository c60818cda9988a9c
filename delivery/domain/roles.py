"""Who may do what. Tokens carry one role; a route names the permission it needs."""

from __future__ import annotations

import hashlib
import secrets
from enum import StrEnum

__all__ = ["Permission", "Role", "allowed", "hash_token", "new_token"]


class Role(StrEnum):
    ADMIN = "admin"
    CLERK = "clerk"
    INTEGRATOR = "integrator"


class Permission(StrEnum):
    CREATE_CERTIFICATE = "create_certificate"
    READ_CERTIFICATE = "read_certificate"
    MARK_READY = "mark_ready"
    REVOKE_CERTIFICATE = "revoke_certificate"
    MANAGE_DELIVERY = "manage_delivery"


_GRANTS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.CLERK: frozenset(Permission),
    # The upstream approval system pushes certificates in and reads them back; printing and
    # handing over to a courier stays a clerk's decision.
    Role.INTEGRATOR: frozenset({Permission.CREATE_CERTIFICATE, Permission.READ_CERTIFICATE}),
}


def allowed(role: Role, permission: Permission) -> bool:
    return permission in _GRANTS[role]


def new_token() -> str:
    """A bearer token with 256 bits of entropy; the prefix makes leaked tokens easy to grep for."""
    return "cpt_" + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Tokens are random, not passwords, so one SHA-256 is enough to store them safely."""
    return hashlib.sha256(token.encode()).hexdigest()
