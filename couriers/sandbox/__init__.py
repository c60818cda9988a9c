"""The sandbox carrier (沙箱快递): simulated parcels with deterministic, realistic lives, pushed and tracked.

Registered in `couriers.registry` as "sandbox" by dotted path, so this package (and aiohttp) is imported only
when the sandbox is actually used. `timeline`, `numbers`, `codes` and `wire` are pure and usable on their own,
e.g. by a test that wants to know what a parcel will do before it happens.
"""

from __future__ import annotations

from couriers.sandbox.codes import STATUS_BY_CODE, status_for
from couriers.sandbox.config import SandboxConfig
from couriers.sandbox.courier import SandboxCourier
from couriers.sandbox.numbers import SandboxNumber, make_tracking_number, parse_tracking_number
from couriers.sandbox.timeline import PlannedEvent, plan_life
from couriers.sandbox.wire import SIGNATURE_HEADER, decode_push, encode_push, sign, verify

__all__ = [
    "SIGNATURE_HEADER",
    "STATUS_BY_CODE",
    "PlannedEvent",
    "SandboxConfig",
    "SandboxCourier",
    "SandboxNumber",
    "decode_push",
    "encode_push",
    "make_tracking_number",
    "parse_tracking_number",
    "plan_life",
    "sign",
    "status_for",
    "verify",
]
