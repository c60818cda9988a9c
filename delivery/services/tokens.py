"""API tokens: created by an operator on the command line, stored only as hashes."""

from __future__ import annotations

import hmac

from delivery.domain.roles import Role, hash_token, new_token
from delivery.storage.models import ApiToken

__all__ = ["authenticate", "create_token"]


async def create_token(role: Role, name: str = "") -> str:
    """Returns the token itself: the only moment it exists in clear."""
    token = new_token()
    await ApiToken.create(role=role.value, name=name, token_hash=hash_token(token))
    return token


async def authenticate(token: str) -> Role | None:
    digest = hash_token(token)
    row = await ApiToken.filter(token_hash=digest, revoked_at__isnull=True).first()
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    return Role(row.role)
