"""`import couriers` stays cheap: adapters and their HTTP client load only when a code is resolved."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]

PROBE = """
import sys
import couriers
assert couriers.available() == ["ems", "kuaidi100", "sandbox", "sf_express"], couriers.available()
assert "couriers.sandbox" not in sys.modules, "listing imported the adapter"
assert "aiohttp" not in sys.modules, "importing the library imported aiohttp"
cls = couriers.get("sandbox")
assert cls.__module__ == "couriers.sandbox.courier"
assert "couriers.sandbox" in sys.modules
"""


def test_import_is_lazy_until_a_code_is_resolved() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
