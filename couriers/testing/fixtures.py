"""pytest fixtures of the contract kit; load with `pytest_plugins = ["couriers.testing.fixtures"]`."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from couriers.testing.receiver import WebhookReceiver
from couriers.testing.receiver import webhook_receiver as _receiver


@pytest.fixture
async def webhook_receiver() -> AsyncIterator[WebhookReceiver]:
    """A running stand-in for the service's `/webhooks/<code>` endpoint."""
    async with _receiver() as receiver:
        yield receiver
