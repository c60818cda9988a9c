"""`certpost simulate <carrier>`: one carrier's protocol simulator on a local port, for testing a set-up.

It prints the `[couriers.<code>]` section that points certpost (or any client) at it, then serves until
interrupted, pushing parcel events to `--push-url` in the carrier's own format.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import signal
from typing import Any

from couriers.simulators import SIMULATORS, load_simulator
from couriers.simulators.common import SimClock, Simulator, run_simulator

__all__ = ["build_simulator", "config_snippet", "run_simulate"]


def build_simulator(
    code: str, *, time_scale: float, push_url: str = "", push_interval: float = 1.0
) -> Simulator:
    """A simulator for `code` on a clock running `time_scale` × real time; KeyError for an unknown code."""
    cls = load_simulator(code)
    kwargs: dict[str, Any] = {"clock": SimClock(time_scale=time_scale), "push_interval": push_interval}
    if push_url and "push_url" in inspect.signature(cls).parameters:
        kwargs["push_url"] = push_url
    return cls(**kwargs)


def config_snippet(code: str, config: dict[str, Any]) -> str:
    """The TOML section an operator pastes into certpost's config."""
    lines = [f"[couriers.{code}]"]
    lines += [f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in config.items()]
    return "\n".join(lines)


async def run_simulate(code: str, *, host: str, port: int, time_scale: float, push_url: str) -> int:
    if code not in SIMULATORS:
        print(f"certpost: no simulator for {code!r}; there are: {', '.join(sorted(SIMULATORS))}")
        return 2
    simulator = build_simulator(code, time_scale=time_scale, push_url=push_url)
    runner = await run_simulator(simulator, host=host, port=port)
    bound = runner.addresses[0]
    base_url = f"http://{bound[0]}:{bound[1]}"
    print(f"{code} simulator listening on {base_url} (time runs {time_scale:g}× real time)")
    print("Point certpost at it with:\n")
    config = simulator.adapter_config(base_url)
    print(config_snippet(code, config))
    secret = config.get("webhook_secret")
    if secret and not push_url:
        print(f"\n{code} pushes to a URL registered with the carrier: restart with")
        print(f"--push-url <certpost public URL>/webhooks/{code}/{secret}")
    print("\nPress Ctrl+C to stop.", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        await simulator.close()
    return 0
