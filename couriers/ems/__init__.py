"""China Post EMS (中国邮政EMS) for contract customers: SM4-encrypted contract API, pushes, a codes table.

`payload` (SM4 `|$4|`), `wire` (form, envelope, traces, pushes) and `codes` are pure and shared with the
simulator in `couriers.simulators.ems`; `courier` is the adapter.
"""

from __future__ import annotations

from couriers.ems.codes import STATUS_BY_OP_CODE, error_class_for, status_for
from couriers.ems.config import EMSConfig
from couriers.ems.courier import EMSCourier

__all__ = ["STATUS_BY_OP_CODE", "EMSConfig", "EMSCourier", "error_class_for", "status_for"]
