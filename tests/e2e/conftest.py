"""Starting real `certpost` processes: what the end-to-end tests share."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Service:
    """A running `certpost serve`: its base URL and the environment that configures it."""

    base: str
    env: dict[str, str]
    log: Path

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run another `certpost` command against the same configuration."""
        return subprocess.run(
            [sys.executable, "-m", "delivery", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )

    def clerk_token(self) -> str:
        return self.cli("token", "create", "--role", "clerk").stdout.strip().splitlines()[-1]


@pytest.fixture
def start_service(tmp_path: Path, database_url: str) -> Iterator[Callable[..., Service]]:
    """Start `certpost serve` processes (several share one database); all are stopped after the test."""
    processes: list[tuple[subprocess.Popen[bytes], object]] = []

    def start(env: Mapping[str, str] = {}, *, name: str = "serve", extra_path: str = "") -> Service:
        port = free_port()
        full = {k: v for k, v in os.environ.items() if not k.startswith("CERTPOST_")}
        full |= {
            "CERTPOST_STORAGE_DATA_DIR": str(tmp_path / "data"),
            "CERTPOST_DATABASE_URL": database_url,
            "CERTPOST_SERVER_PORT": str(port),
            "CERTPOST_SERVER_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "CERTPOST_TRACKING_POLL_TICK_SECONDS": "2",
            **env,
        }
        if extra_path:
            full["PYTHONPATH"] = os.pathsep.join(p for p in (extra_path, full.get("PYTHONPATH", "")) if p)
        log_path = tmp_path / f"{name}.log"
        log = open(log_path, "w")  # noqa: SIM115 - closed at teardown
        process = subprocess.Popen(
            [sys.executable, "-m", "delivery", "serve"], env=full, stdout=log, stderr=subprocess.STDOUT
        )
        processes.append((process, log))
        base = f"http://127.0.0.1:{port}"
        _wait_healthy(base, process, log_path)
        return Service(base, full, log_path)

    try:
        yield start
    finally:
        for process, _ in processes:  # all at once: replicas shut down side by side
            process.terminate()
        for process, log in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
            log.close()  # type: ignore[attr-defined]


def _wait_healthy(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"certpost serve exited:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"certpost serve never became healthy:\n{log.read_text()}")
