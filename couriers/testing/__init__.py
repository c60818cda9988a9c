"""The contract test kit: what any adapter — ours or a third party's — runs against its simulator."""

from couriers.testing.contract import CourierContract
from couriers.testing.harness import HALL, RECIPIENT, ContractHarness, sample_request
from couriers.testing.receiver import WebhookReceiver

__all__ = ["HALL", "RECIPIENT", "ContractHarness", "CourierContract", "WebhookReceiver", "sample_request"]
