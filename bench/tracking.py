"""Tracking engine benchmarks: one JSON object per figure per line, ratios against same-run baselines.

1. citizen queries per second through the full app (read model) vs a bare aiohttp JSON route, same set-up:
   server in a subprocess, one load-generating client; p99 latency of both;
2. webhook ingest on SQLite: events per second durably accepted (inbox, dedupe, status) through the full app,
   16 concurrent signed HTTP pushes, vs the same pushes answered by a bare aiohttp route that stores nothing;
   the database is checked afterwards (every push in the inbox and applied, every distinct event once);
3. a virtual-clock simulation of 10,000 sandbox parcel lives: carrier calls per delivered shipment and
   median staleness for the adaptive policy (pushes, 20% lost, plus the polling net) vs fixed 2-hour polling;
4. RSS of a `certpost` service process holding 100,000 active shipments (vs the same service, empty).

Run: .venv/bin/python bench/tracking.py   (a few minutes; --quick for a smoke run; --only ingest … for some)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from copy import deepcopy
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from couriers import Status, TrackingEvent  # noqa: E402
from couriers.sandbox import encode_push, make_tracking_number, plan_life, sign, status_for  # noqa: E402
from couriers.sandbox.wire import SIGNATURE_HEADER  # noqa: E402
from delivery.config import DEFAULTS, Settings  # noqa: E402
from scheduler import PollIntervals, ShipmentState, plan_next_poll  # noqa: E402

SECRET = "sandbox-dev-secret"
BOOKED = datetime(2026, 11, 28, tzinfo=UTC)


def bench_number(i: int) -> str:
    """A valid sandbox number (pushes are parsed by the real sandbox adapter)."""
    return make_tracking_number(BOOKED, 1, 2, i)


def emit(name: str, value: float, unit: str, baseline: float | None = None, **extra: Any) -> None:
    figure: dict[str, Any] = {"name": name, "value": round(value, 3), "unit": unit}
    if baseline is not None:
        figure["baseline"] = round(baseline, 3)
        figure["ratio"] = round(value / baseline, 3) if baseline else None
    figure.update(extra)
    print(json.dumps(figure, ensure_ascii=False), flush=True)


# -- the server side (run in a subprocess) ------------------------------------------------------------


def settings_for(data_dir: Path) -> Settings:
    raw: dict[str, Any] = deepcopy(DEFAULTS)
    raw["storage"] = {"data_dir": str(data_dir)}
    raw["couriers"] = {"sandbox": {"push": False}}
    raw["tracking"] |= {"numbers_per_client": 10**9, "cache_size": 20000}
    raw["log"] = {"level": "WARNING"}
    return Settings(raw=raw)


async def seed(settings: Settings, count: int, events_each: int) -> list[str]:
    """`count` active shipments, fresh (so queries are answered without asking the carrier)."""
    from delivery.storage.database import database
    from delivery.storage.models import Certificate, Shipment, ShipmentEvent

    numbers = []
    now = datetime.now(UTC)
    async with database(settings.database_url):
        base = await Certificate.all().count()
        for start in range(0, count, 2000):
            chunk = range(start, min(count, start + 2000))
            await Certificate.bulk_create(
                [
                    Certificate(
                        type_code="t", holder_name="张三", holder_id_number="x", delivery_method="courier"
                    )
                    for _ in chunk
                ]
            )
            certs = await Certificate.filter(id__gt=base + start).order_by("id").limit(len(chunk))
            rows = [
                Shipment(
                    certificate_id=cert.id,
                    carrier="sandbox",
                    order_id=f"BENCH{i}",
                    tracking_number=bench_number(i),
                    status="in_transit",
                    recipient_name="张三",
                    recipient_phone="13812341234",
                    recipient_province="浙江省",
                    recipient_city="宁波市",
                    recipient_county="鄞州区",
                    recipient_address="天童南路588号",
                    booked_at=now,
                    last_checked_at=now + timedelta(days=1),
                    next_poll_at=now + timedelta(days=1),
                )
                for i, cert in zip(chunk, certs, strict=True)
            ]
            await Shipment.bulk_create(rows)
            numbers += [r.tracking_number or "" for r in rows]
        if events_each:
            shipments = await Shipment.filter(tracking_number__in=numbers)
            await ShipmentEvent.bulk_create(
                [
                    ShipmentEvent(
                        shipment_id=s.id,
                        event_key=f"{s.id}-{k}",
                        time=now - timedelta(hours=events_each - k),
                        status="in_transit",
                        raw_code="ARRIVED",
                        description=f"快件已到达【第{k}转运中心】",
                        location="杭州市",
                        source="poll",
                    )
                    for s in shipments
                    for k in range(events_each)
                ]
            )
    return numbers


def serve(kind: str, port: int, data_dir: Path, count: int, events_each: int, jobs: bool) -> None:
    from aiohttp import web

    if kind == "bare":

        async def bare(request: web.Request) -> web.Response:
            return web.json_response({"tracking_number": request.match_info["n"], "status": "in_transit"})

        async def bare_push(request: web.Request) -> web.Response:
            await request.read()
            return web.json_response({"ok": True})

        app = web.Application()
        app.router.add_get("/api/track/{n}", bare)
        app.router.add_post("/webhooks/{carrier}", bare_push)
        print("ready", flush=True)
        web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)
        return
    from delivery.app import create_app

    settings = settings_for(data_dir)
    if count:
        asyncio.run(seed(settings, count, events_each))
    app = create_app(settings, run_jobs=jobs)

    async def announce(_: web.Application) -> None:
        print("ready", flush=True)

    app.on_startup.append(announce)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


class Server:
    def __init__(
        self, kind: str, data_dir: Path, *, count: int = 0, events_each: int = 0, jobs: bool = False
    ):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        args = [
            sys.executable,
            __file__,
            "--serve",
            kind,
            "--port",
            str(self.port),
            "--data-dir",
            str(data_dir),
        ]
        args += ["--count", str(count), "--events", str(events_each)] + (["--jobs"] if jobs else [])
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, cwd=ROOT)
        assert self.process.stdout is not None
        if self.process.stdout.readline().strip() != b"ready":
            raise RuntimeError(f"{kind} server did not start")
        time.sleep(0.3)
        self.base = f"http://127.0.0.1:{self.port}"

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(20)


# -- 1. citizen queries -------------------------------------------------------------------------------


async def load(base: str, paths: list[str], seconds: float, concurrency: int = 32) -> tuple[float, float]:
    """Requests per second and p99 latency (ms) of GETs cycling through `paths`."""
    latencies: list[float] = []
    stop = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(base, connector=connector) as http:

        async def worker(offset: int) -> None:
            i = offset
            while time.perf_counter() < stop:
                t = time.perf_counter()
                async with http.get(paths[i % len(paths)]) as response:
                    await response.read()
                    assert response.status == 200, response.status
                latencies.append(time.perf_counter() - t)
                i += concurrency

        started = time.perf_counter()
        await asyncio.gather(*(worker(k) for k in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return len(latencies) / elapsed, latencies[int(len(latencies) * 0.99)] * 1000


def bench_queries(tmp: Path, seconds: float) -> None:
    bare = Server("bare", tmp / "bare")
    try:
        paths = [f"/api/track/{bench_number(i)}" for i in range(200)]
        asyncio.run(load(bare.base, paths, 1))
        bare_rps, bare_p99 = asyncio.run(load(bare.base, paths, seconds))
    finally:
        bare.stop()
    app = Server("app", tmp / "queries", count=200, events_each=8)
    try:
        paths = [f"/api/track/{bench_number(i)}?phone_tail=1234" for i in range(200)]
        asyncio.run(load(app.base, paths, 1))
        rps, p99 = asyncio.run(load(app.base, paths, seconds))
    finally:
        app.stop()
    emit("citizen_query_rps", rps, "requests/s", bare_rps, note="vs a bare aiohttp JSON route")
    emit("citizen_query_p99", p99, "ms", bare_p99, note="p99 latency, 32 concurrent clients")


# -- 2. webhook ingest --------------------------------------------------------------------------------


async def ingest(
    base: str, numbers: list[str], pushes: int, per_push: int, dup: float
) -> tuple[float, int, float]:
    """Seconds taken, distinct events sent, p99 latency (ms) until each push was acknowledged."""
    t0 = datetime.now(UTC) - timedelta(days=1)
    rng = random.Random(5)
    bodies = []
    sent: dict[str, int] = {}
    for k in range(pushes):
        number = numbers[k % len(numbers)]
        start = sent.get(number, 0)
        if rng.random() < dup and start:
            start = max(0, start - per_push)  # a repeated push: the same events again
        events = [
            TrackingEvent(number, t0 + timedelta(minutes=j), Status.IN_TRANSIT, "ARRIVED", f"到达第{j}站")
            for j in range(start, start + per_push)
        ]
        sent[number] = max(sent.get(number, 0), start + per_push)
        body = encode_push(number, events)
        bodies.append((body, sign(SECRET, body)))
    latencies: list[float] = []
    async with aiohttp.ClientSession(base) as http:
        queue = list(reversed(bodies))

        async def worker() -> None:
            while queue:
                body, signature = queue.pop()
                t = time.perf_counter()
                async with http.post(
                    "/webhooks/sandbox", data=body, headers={SIGNATURE_HEADER: signature}
                ) as r:
                    assert r.status == 200, await r.text()
                latencies.append(time.perf_counter() - t)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(16)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return elapsed, sum(sent.values()), latencies[int(len(latencies) * 0.99)] * 1000


def check_ingest(database: Path, pushes: int, distinct: int) -> None:
    """What "durably accepted" means, checked after the server stopped: a fast but lossy ingest fails."""
    with sqlite3.connect(database) as db:
        stored, applied = db.execute("SELECT count(*), count(processed_at) FROM webhook_inbox").fetchone()
        (events,) = db.execute("SELECT count(*) FROM shipment_event").fetchone()
    assert stored == pushes, f"{stored} of {pushes} pushes in the inbox"
    assert applied == pushes, f"{applied} of {pushes} pushes applied"
    assert events == distinct, f"{events} events stored, {distinct} distinct sent"


def bench_ingest(tmp: Path, pushes: int) -> None:
    numbers = [bench_number(i) for i in range(500)]
    bare = Server("bare", tmp / "bare-ingest")
    try:
        # Five times the pushes: a single round is over too soon to measure steadily.
        asyncio.run(ingest(bare.base, numbers, 200, per_push=5, dup=0.2))
        bare_elapsed, _, bare_p99 = asyncio.run(ingest(bare.base, numbers, pushes * 5, per_push=5, dup=0.2))
        bare_elapsed /= 5
    finally:
        bare.stop()
    app = Server("app", tmp / "ingest", count=500)
    try:
        elapsed, distinct, p99 = asyncio.run(ingest(app.base, numbers, pushes, per_push=5, dup=0.2))
    finally:
        app.stop()
    check_ingest(tmp / "ingest" / "certpost.sqlite3", pushes, distinct)
    note = (
        f"{pushes} signed pushes of 5 events from 16 concurrent clients, 20% repeats ({distinct} distinct"
        " events), SQLite; baseline = a bare aiohttp route that stores nothing"
    )
    emit(
        "webhook_ingest_events_per_second",
        pushes * 5 / elapsed,
        "events/s",
        pushes * 5 / bare_elapsed,
        note=note,
    )
    emit("webhook_ingest_p99", p99, "ms", bare_p99, note="p99 until acknowledged, same run")


# -- 3. virtual-clock simulation ----------------------------------------------------------------------

T0 = datetime(2026, 11, 28, tzinfo=UTC)


def simulate(count: int, *, adaptive: bool, loss: float = 0.2, seed: int = 11) -> tuple[float, float]:
    """Carrier calls per delivered shipment and median staleness (s) over `count` parcel lives."""
    rng = random.Random(seed)
    intervals = PollIntervals()
    calls = 0
    staleness: list[float] = []
    for serial in range(count):
        number = make_tracking_number(T0, 1, 2, serial)
        life = [(p.offset, status_for(p.code)) for p in plan_life(number)]
        known: list[float | None] = [None] * len(life)
        arrivals = sorted(
            (t + rng.uniform(5, 60), i) for i, (t, _) in enumerate(life) if adaptive and rng.random() >= loss
        )
        calls += 1 if adaptive else 0  # the subscription call
        next_poll: float | None = 1800.0 if adaptive else 7200.0
        last_push: float | None = None
        a = 0
        status = Status.INFO_RECEIVED
        while not status.terminal:
            arrival = arrivals[a][0] if a < len(arrivals) else float("inf")
            if next_poll is None and arrival == float("inf"):
                break
            if arrival <= (next_poll if next_poll is not None else float("inf")):
                now = arrival
                index = arrivals[a][1]
                a += 1
                if known[index] is None:
                    known[index] = now
                last_push = now
            else:
                assert next_poll is not None
                now = next_poll
                calls += 1
                for i, (t, _) in enumerate(life):
                    if t <= now and known[i] is None:
                        known[i] = now
            seen = [life[i] for i in range(len(life)) if known[i] is not None]
            latest = max(seen, key=lambda e: e[0]) if seen else None
            status = latest[1] if latest else Status.INFO_RECEIVED
            if any(s.terminal for _, s in seen):
                status = Status.DELIVERED
            if not adaptive:
                next_poll = now + 7200.0 if arrival > now or next_poll == now else next_poll
                continue
            state = ShipmentState(
                serial,
                status,
                T0,
                T0 + timedelta(seconds=latest[0]) if latest else None,
                T0 + timedelta(seconds=last_push) if last_push is not None else None,
                0,
            )
            decision = plan_next_poll(state, T0 + timedelta(seconds=now), intervals)
            next_poll = (decision.next_poll_at - T0).total_seconds() if decision.next_poll_at else None
        staleness += [k - t for (t, _), k in zip(life, known, strict=True) if k is not None]
    return calls / count, statistics.median(staleness)


def bench_simulation(count: int) -> None:
    adaptive_calls, adaptive_stale = simulate(count, adaptive=True)
    fixed_calls, fixed_stale = simulate(count, adaptive=False)
    note = f"{count} sandbox lives; adaptive = pushes (20% lost) + policy polling; baseline = fixed 2 h polls"
    emit("carrier_calls_per_delivered_shipment", adaptive_calls, "calls", fixed_calls, note=note)
    emit("median_staleness", adaptive_stale, "s", fixed_stale, note=note)


# -- 4. memory ----------------------------------------------------------------------------------------


def bench_memory(tmp: Path, count: int) -> None:
    empty = Server("app", tmp / "empty", jobs=True)
    try:
        asyncio.run(load(empty.base, ["/healthz"], 1, concurrency=4))
        baseline = empty.rss_kib()
    finally:
        empty.stop()
    full = Server("app", tmp / "full", count=count, jobs=True)
    try:
        paths = [
            f"/api/track/{bench_number(i)}?phone_tail=1234" for i in range(0, count, max(1, count // 20000))
        ]
        asyncio.run(load(full.base, paths, 10, concurrency=16))
        rss = full.rss_kib()
    finally:
        full.stop()
    emit(
        "rss_with_active_shipments",
        rss / 1024,
        "MiB",
        baseline / 1024,
        note=f"{count} active shipments, up to 20000 answers cached; baseline = same service, empty database",
    )


FIGURES = ("queries", "ingest", "simulation", "memory")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--serve", choices=["app", "bare"])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--count", type=int, default=0)
    parser.add_argument("--events", type=int, default=0)
    parser.add_argument("--jobs", action="store_true")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument(
        "--only", action="append", choices=FIGURES, help="run only these figures (repeatable); default all"
    )
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.data_dir, args.count, args.events, args.jobs)
        return
    quick = args.quick
    only = set(args.only or FIGURES)
    with tempfile.TemporaryDirectory(prefix="certpost-bench-") as tmp:
        os.chdir(tmp)
        if "queries" in only:
            bench_queries(Path(tmp), 2 if quick else 8)
        if "ingest" in only:
            bench_ingest(Path(tmp), 200 if quick else 2000)
        if "simulation" in only:
            bench_simulation(500 if quick else 10_000)
        if "memory" in only:
            bench_memory(Path(tmp), 2000 if quick else 100_000)


if __name__ == "__main__":
    main()
