"""The contract test kit: what any adapter — ours or a third party's — runs against its simulator."""

from couriers.testing.contract import CourierContract
from couriers.testing.harness import HALL, RECIPIENT, ContractHarness, OpenPush, SealPush, sample_request
from couriers.testing.receiver import WebhookReceiver, inbound
from couriers.testing.serving import dead_url, serve_app, serve_simulator

__all__ = [
    "HALL",
    "RECIPIENT",
    "ContractHarness",
    "CourierContract",
    "OpenPush",
    "SealPush",
    "WebhookReceiver",
    "dead_url",
    "inbound",
    "sample_request",
    "serve_app",
    "serve_simulator",
]
