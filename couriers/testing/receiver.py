"""A stand-in for the service's webhook endpoint: hands each push to the adapter and answers its ack."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web

from couriers.contract import Courier, InboundPush, PushOutcome
from couriers.errors import PushRejected
from couriers.simulators.common import OutboundPush
from couriers.testing.serving import serve_app

__all__ = ["WebhookReceiver", "inbound", "webhook_receiver"]


@dataclass
class WebhookReceiver:
    """`base_url` + `/webhooks/<code>` is where simulators push; outcomes and refusals are recorded."""

    base_url: str = ""
    courier: Courier | None = None
    outcomes: list[PushOutcome] = field(default_factory=list)
    refusals: list[int] = field(default_factory=list)

    def url_for(self, code: str, tail: str = "") -> str:
        return f"{self.base_url}/webhooks/{code}{tail}"

    async def handle(self, request: web.Request) -> web.Response:
        if self.courier is None or request.match_info["code"] != self.courier.code:
            raise web.HTTPNotFound()
        push = InboundPush(
            path_tail=request.match_info.get("tail", ""),
            headers=dict(request.headers),
            body=await request.read(),
            content_type=request.content_type,
        )
        try:
            outcome = self.courier.parse_push(push)
        except PushRejected as e:
            self.refusals.append(e.status)
            return web.json_response({"error": str(e)}, status=e.status)
        self.outcomes.append(outcome)
        return web.Response(
            body=outcome.ack_body,
            status=outcome.ack_status,
            content_type=outcome.ack_content_type.split(";")[0],
        )


def inbound(push: OutboundPush, code: str) -> InboundPush:
    """What the service's `/webhooks/<code>` endpoint hands `parse_push` for this push, without HTTP."""
    _, _, tail = push.url.partition(f"/webhooks/{code}")
    return InboundPush(
        path_tail=tail, headers=dict(push.headers), body=push.body, content_type=push.content_type
    )


@asynccontextmanager
async def webhook_receiver(host: str = "127.0.0.1") -> AsyncIterator[WebhookReceiver]:
    """A running receiver on a free loopback port, stopped afterwards."""
    receiver = WebhookReceiver()
    app = web.Application()
    app.router.add_post(r"/webhooks/{code}{tail:(/.*)?}", receiver.handle)
    async with serve_app(app, host) as base_url:
        receiver.base_url = base_url
        yield receiver
