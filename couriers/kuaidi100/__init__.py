"""Kuaidi100 (快递100): one account that books and tracks ZTO, YTO, JD, J&T, Yunda, SF … for us.

Three APIs, each in its own module: `query` (real-time query, one number per call, at most every 30 minutes),
`push` (subscription and the pushes that follow it, plus border order callbacks) and `border` (商家寄件:
booking and cancelling a pickup). `signing` holds the three signatures, `codes` every code table, `config`
the `[couriers.kuaidi100]` section. Registered by the lead as "kuaidi100"; importing this package
imports aiohttp.
"""

from __future__ import annotations

from couriers.kuaidi100.codes import ORDER_STATUS, STATE_STATUS, order_status_for, status_for
from couriers.kuaidi100.config import Kuaidi100Config
from couriers.kuaidi100.courier import MIN_QUERY_INTERVAL, Kuaidi100Courier, QueryLocked
from couriers.kuaidi100.signing import border_sign, encode_param, push_sign, query_sign, verify_push

__all__ = [
    "MIN_QUERY_INTERVAL",
    "ORDER_STATUS",
    "STATE_STATUS",
    "Kuaidi100Config",
    "Kuaidi100Courier",
    "QueryLocked",
    "border_sign",
    "encode_param",
    "order_status_for",
    "push_sign",
    "query_sign",
    "status_for",
    "verify_push",
]
