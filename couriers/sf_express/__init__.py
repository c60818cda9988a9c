"""SF Express (顺丰速运): adapter for SF's 丰桥 `std/service` API, with its signing, wire formats and codes.

`signing`, `wire` and `codes` are pure and usable on their own (the simulator in
`couriers.simulators.sf_express` speaks the same protocol through them).
"""

from __future__ import annotations

from couriers.sf_express.codes import STATUS_BY_OPCODE, status_for
from couriers.sf_express.config import SFExpressConfig
from couriers.sf_express.courier import SFExpressCourier, next_business_window
from couriers.sf_express.signing import java_url_encode, msg_digest, verify_digest

__all__ = [
    "STATUS_BY_OPCODE",
    "SFExpressConfig",
    "SFExpressCourier",
    "java_url_encode",
    "msg_digest",
    "next_business_window",
    "status_for",
    "verify_digest",
]
