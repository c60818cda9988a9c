"""Local simulators of each carrier's real protocol, for our tests and for users testing their own set-up.

`certpost simulate <carrier> --port N` runs one; `SIMULATORS` maps carrier codes to their simulator classes
by dotted path, imported on first use.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping

from couriers.simulators.common import Simulator

__all__ = ["SIMULATORS", "load_simulator"]

SIMULATORS: Mapping[str, str] = {
    "sf_express": "couriers.simulators.sf_express:SFExpressSimulator",
    "ems": "couriers.simulators.ems:EMSSimulator",
    "kuaidi100": "couriers.simulators.kuaidi100:Kuaidi100Simulator",
}


def load_simulator(code: str) -> type[Simulator]:
    """The simulator class for carrier `code`; KeyError names the ones there are."""
    try:
        module, _, attr = SIMULATORS[code].partition(":")
    except KeyError:
        raise KeyError(f"no simulator for {code!r}; there are: {', '.join(sorted(SIMULATORS))}") from None
    cls: type[Simulator] = getattr(importlib.import_module(module), attr)
    return cls
