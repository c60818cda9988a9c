"""Bearer-token authentication and role checks for clerk and integrator routes."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from aiohttp import web

from delivery.domain.roles import Permission, Role, allowed
from delivery.services.tokens import authenticate
from delivery.web.errors import ApiError

__all__ = ["requires"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def requires(permission: Permission) -> Callable[[Handler], Handler]:
    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def wrapper(request: web.Request) -> web.StreamResponse:
            role = await _role(request)
            if not allowed(role, permission):
                raise ApiError(
                    403, "forbidden", f"The {role.value} role may not {permission.value.replace('_', ' ')}."
                )
            return await handler(request)

        return wrapper

    return decorate


async def _role(request: web.Request) -> Role:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", "Send an API token as 'Authorization: Bearer <token>'.")
    role = await authenticate(token.strip())
    if role is None:
        raise ApiError(401, "unauthorized", "The API token is not valid.")
    return role
