"""Two `certpost serve` replicas on one PostgreSQL database, against one SF Express simulator.

What it proves (design.md: "several service replicas share one database; background work claims rows with
leases, so running the scheduler in every replica is safe"):

- Every due shipment is polled once per due period, by one replica: the simulator sees each tracking number
  queried no more often than the poll interval allows, never twice for the same due time, and every
  shipment at least three times — while both replicas do part of the polling.
- A change received by one replica reaches a tracking stream held by the other (LISTEN/NOTIFY).
- A carrier slower than a claim's lease does not get a shipment queried twice: the replica gives the call up
  before its lease ends, instead of the other replica claiming the shipment while it is still being polled.

How it counts: the simulator runs in this process on two ports, one per replica, so each route query
(EXP_RECE_SEARCH_ROUTES) is attributed to the replica that sent it; a middleware on the simulator's app logs
the arrival time and the tracking numbers of every query. The simulator's clock is frozen, so every parcel
stays "booked, awaiting pickup" and is polled every `INTERVAL` seconds. It answers route queries after
`ANSWER_DELAY`, so a replica's poll is still in flight most of the time the other replica claims. Each
replica claims at most `BATCH` shipments per `TICK`, less than the `N / INTERVAL` polls per second the
shipments need, so neither replica can do the polling alone: both claim from the same due rows every tick.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import os
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from couriers.sf_express import wire
from couriers.simulators.common import SimClock, Step, Subscription
from couriers.simulators.sf_express import SFExpressSimulator

from .conftest import Service, free_port

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not os.environ.get("CERTPOST_TEST_DATABASE_URL"),
        reason="two replicas need PostgreSQL: CERTPOST_TEST_DATABASE_URL is not set",
    ),
]

#: Certificates marked ready, hence shipments booked and polled.
N = 20
#: Seconds between poll ticks in each replica (`tracking.poll_tick_seconds`).
TICK = 1
#: Seconds between two polls of a shipment awaiting pickup (`tracking.poll_awaiting_pickup_seconds`).
INTERVAL = 4
#: Shipments one replica claims per tick (`tracking.poll_batch`): 3/s per replica < N / INTERVAL = 5/s.
BATCH = 3
#: Polls every shipment must have had before the counts are checked.
POLLS_WANTED = 3
#: Seconds the carrier takes to answer a route query while polls are counted (< TICK, so polls keep up).
ANSWER_DELAY = 0.8
#: Lease of a claim (`tracking.lease_seconds`) and shipments, when the carrier is slower than the lease.
LEASE = 2
SLOW_N = 4
#: Wall clock (the service) against monotonic clock (this test): tolerance on interval checks, seconds.
SLACK = 0.5

PHONE = "13912345678"
RECIPIENT = {
    "name": "李四",
    "phone": PHONE,
    "province": "浙江省",
    "city": "温州市",
    "county": "鹿城区",
    "address": "人民路100号",
}


@dataclass(frozen=True, slots=True)
class RouteQuery:
    """One EXP_RECE_SEARCH_ROUTES request as the simulator received it."""

    replica: str
    numbers: tuple[str, ...]
    at: float


@dataclass
class CountedCarrier:
    """The SF simulator, served on one port per replica, logging every route query."""

    simulator: SFExpressSimulator
    ports: dict[str, int]
    queries: list[RouteQuery] = field(default_factory=list)

    def base_url(self, replica: str) -> str:
        return f"http://127.0.0.1:{self.ports[replica]}"

    @web.middleware
    async def count(self, request: web.Request, handler: Callable[..., Any]) -> web.StreamResponse:
        form = await request.post()  # aiohttp caches the parsed form: the handler reads it again
        if form.get("serviceCode") == wire.SEARCH_ROUTES:
            sockname = request.get_extra_info("sockname")
            port = int(sockname[1]) if sockname else 0
            replica = next((name for name, p in self.ports.items() if p == port), f"port {port}")
            self.queries.append(RouteQuery(replica, _tracking_numbers(form.get("msgData")), time.monotonic()))
        response: web.StreamResponse = await handler(request)
        return response

    def polls(self) -> dict[str, list[RouteQuery]]:
        """Route queries per tracking number, in arrival order."""
        by_number: dict[str, list[RouteQuery]] = defaultdict(list)
        for query in list(self.queries):
            for number in query.numbers:
                by_number[number].append(query)
        return by_number


def _tracking_numbers(msg_data: object) -> tuple[str, ...]:
    try:
        numbers = json.loads(str(msg_data)).get("trackingNumber")
    except (ValueError, AttributeError):
        return ()
    if isinstance(numbers, str):
        numbers = numbers.split(",")
    return tuple(str(n).strip() for n in numbers or () if str(n).strip())


@pytest.fixture
async def carrier() -> AsyncIterator[CountedCarrier]:
    """Requested before `start_service`, so it stops after the replicas that call it."""
    # Frozen clock: parcels stay "awaiting pickup" (no events, no pushes of its own) for the whole test.
    # A high rate limit keeps the simulator from refusing calls (a refusal would be retried: an extra call).
    simulator = SFExpressSimulator(clock=SimClock(), rate_limit=10_000.0)
    counted = CountedCarrier(simulator, {"a": free_port(), "b": free_port()})
    app = simulator.app()
    app.middlewares.insert(0, counted.count)  # outermost: a query counts when it arrives, answered or not
    # A query still held by `faults.delay_seconds` at the end is not worth waiting for.
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
    await runner.setup()
    for port in counted.ports.values():
        await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield counted
    finally:
        await runner.cleanup()
        await simulator.close()


def replica_env(carrier: CountedCarrier, replica: str, **tracking: int) -> dict[str, str]:
    """`certpost serve` settings: the carrier's port for this replica, and `[tracking]` for quick polls."""
    config = carrier.simulator.adapter_config(carrier.base_url(replica))
    env = {f"CERTPOST_COURIERS_SF_EXPRESS_{key.upper()}": str(value) for key, value in config.items()}
    settings = {
        "poll_tick_seconds": TICK,
        "poll_awaiting_pickup_seconds": INTERVAL,
        "poll_batch": BATCH,
        # A failed poll is retried after at least retry_base / 2: never sooner than the interval.
        "retry_base_seconds": 2 * INTERVAL,
    } | tracking
    return env | {f"CERTPOST_TRACKING_{key.upper()}": str(value) for key, value in settings.items()}


async def start_replicas(
    start_service: Callable[..., Service], carrier: CountedCarrier, **tracking: int
) -> tuple[Service, Service]:
    # One after the other: the first creates the schema and the development signing key.
    a = await asyncio.to_thread(start_service, replica_env(carrier, "a", **tracking), name="replica-a")
    b = await asyncio.to_thread(start_service, replica_env(carrier, "b", **tracking), name="replica-b")
    return a, b


async def book(
    http: aiohttp.ClientSession, replicas: Sequence[Service], count: int
) -> tuple[list[str], float]:
    """A clerk creates `count` certificates and marks them ready, spread over the replicas: the tracking
    numbers, and the (monotonic) time before any was booked."""
    clerk = {"Authorization": f"Bearer {await asyncio.to_thread(replicas[0].clerk_token)}"}
    ids: dict[str, list[int]] = {r.base: [] for r in replicas}
    for i in range(count):
        base = replicas[i % len(replicas)].base
        created = await http.post(f"{base}/api/certificates", json=_certificate(), headers=clerk)
        assert created.status == 201, await created.text()
        ids[base].append((await created.json())["id"])

    async def mark_ready(base: str) -> list[dict[str, Any]]:
        answer = await http.post(f"{base}/api/certificates/ready", json={"ids": ids[base]}, headers=clerk)
        assert answer.status == 200, await answer.text()
        results: list[dict[str, Any]] = (await answer.json())["results"]
        assert all(r["ok"] for r in results), results
        return results

    ready_sent = time.monotonic()
    results = [r for batch in await asyncio.gather(*(mark_ready(b) for b in ids)) for r in batch]
    numbers = [r["certificate"]["shipment"]["tracking_number"] for r in results]
    assert all(numbers), [r["certificate"]["shipment"] for r in results]
    assert len(set(numbers)) == count
    return numbers, ready_sent


def polled_too_soon(polls: Mapping[str, list[RouteQuery]], minimum: float) -> dict[str, list[Any]]:
    """Numbers queried twice less than `minimum` seconds apart, with (replica, seconds since the last)."""
    return {
        n: [(q.replica, round(q.at - p.at, 2)) for p, q in itertools.pairwise(qs)]
        for n, qs in polls.items()
        if any(q.at - p.at < minimum for p, q in itertools.pairwise(qs))
    }


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_two_replicas_poll_each_due_shipment_once_and_share_changes(
    carrier: CountedCarrier, start_service: Callable[..., Service]
) -> None:
    a, b = await start_replicas(start_service, carrier)
    secret = carrier.simulator.webhook_secret

    async with aiohttp.ClientSession() as http:
        # (b) A clerk creates N certificates and marks them ready, half on each replica.
        numbers, ready_sent = await book(http, (a, b), N)
        assert set(numbers) == set(carrier.simulator.parcels), "every shipment was booked with the carrier"

        # (c) Several poll cycles: wait until every shipment has been polled POLLS_WANTED times. No citizen
        # asks anything meanwhile (a live query would be a carrier call outside the poll plan). The carrier
        # answers slowly, so each replica's polls are in flight most of the time, while the other replica
        # claims: a shipment being polled must not be claimed again.
        carrier.simulator.faults.delay_seconds = ANSWER_DELAY
        deadline = time.monotonic() + 90
        while True:
            polls = carrier.polls()
            if all(len(polls[n]) >= POLLS_WANTED for n in numbers) or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.25)
        seen_until = time.monotonic()
        carrier.simulator.faults.delay_seconds = 0
        polls = carrier.polls()
        counts = {n: len(polls[n]) for n in numbers}
        assert all(c >= POLLS_WANTED for c in counts.values()), f"not every shipment was polled: {counts}"
        assert set(polls) <= set(numbers), "only booked numbers are queried"

        # Never both replicas for one due time: two polls of a number are at least INTERVAL apart, since
        # the next poll is planned INTERVAL after the previous one was answered.
        too_soon = polled_too_soon(polls, INTERVAL - SLACK)
        assert not too_soon, f"polled again too soon (by replica, seconds since the last poll): {too_soon}"
        # No number queried more often than the interval allows: the first poll comes INTERVAL after the
        # booking, each next one INTERVAL after the previous.
        allowed = math.floor((seen_until - ready_sent + SLACK) / INTERVAL)
        too_many = {n: c for n, c in counts.items() if c > allowed}
        assert not too_many, f"more than {allowed} polls in {seen_until - ready_sent:.1f}s: {too_many}"
        # Both replicas did part of the polling (one alone could not keep up): the leases were contended.
        by_replica = Counter(q.replica for qs in polls.values() for q in qs)
        assert set(by_replica) == {"a", "b"}, f"polls by replica: {dict(by_replica)}"
        # ... and concurrently: queries of the two replicas were in flight at the same time.
        answered = {r: [q.at for q in carrier.queries if q.replica == r] for r in ("a", "b")}
        overlapping = sum(any(abs(t - u) < ANSWER_DELAY for u in answered["b"]) for t in answered["a"])
        assert overlapping, "the replicas never polled at the same time: the test proved nothing"
        gaps = [q.at - p.at for n in numbers for p, q in itertools.pairwise(polls[n])]
        print(
            f"\npolls: {sum(counts.values())} for {N} shipments in {seen_until - ready_sent:.1f}s "
            f"(per shipment {min(counts.values())}-{max(counts.values())}, allowed {allowed}); "
            f"by replica {dict(by_replica)}; {overlapping} of replica a's {len(answered['a'])} queries "
            f"overlapped one of b's; shortest gap {min(gaps):.2f}s (interval {INTERVAL}s)"
        )

        # (d) A stream on replica B; the carrier's push reaches replica A; the stream on B shows it.
        number = numbers[0]
        parcel = carrier.simulator.parcels[number]
        assert not parcel.happened(carrier.simulator.clock.now()), (
            "the carrier itself knows no event, so a poll cannot be how replica B learns of the push"
        )

        async def push_to(replica: Service, step: Step) -> None:
            """The carrier's push of one route, in SF's format, to the replica's webhook."""
            push = carrier.simulator.encode_push(
                Subscription(number, f"{replica.base}/webhooks/sf_express/{secret}"),
                [(carrier.simulator.clock.now(), step)],
            )
            async with http.post(
                push.url, data=push.body, headers={"Content-Type": push.content_type, **push.headers}
            ) as answer:
                acked = carrier.simulator.is_acknowledged(answer.status, await answer.read())
            assert acked, f"{replica.base} acknowledged the push as SF requires"

        async with http.get(
            f"{b.base}/api/track/{number}/stream",
            params={"phone_tail": PHONE[-4:]},
            timeout=aiohttp.ClientTimeout(total=None, sock_read=None),
        ) as stream:
            assert stream.status == 200, await stream.text()
            first = await _next_status(stream, within=20)
            assert first["status"] == "info_received", first

            script = carrier.simulator.default_script(parcel.order_id)
            assert script[0].code == "50", "SF's pickup scan"
            await push_to(a, script[0])

            # Within seconds — far below `tracking.fresh_seconds` (60), after which B would re-read anyway.
            changed = await _next_status(stream, within=15)
            assert changed["status"] == "picked_up", changed
            assert [e["status"] for e in changed["events"]] == ["picked_up"], changed

        # B's stream handler only notices that its client left when the next change wakes it (or after
        # `fresh_seconds`), and until then it holds up B's graceful shutdown: wake it, so B stops at once.
        await asyncio.sleep(0.2)
        await push_to(a, script[1])


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_poll_slower_than_its_lease_is_never_polled_again_by_the_other_replica(
    carrier: CountedCarrier, start_service: Callable[..., Service]
) -> None:
    """The carrier answers only after the claim's lease has run out. The replica must give up on the call
    before its lease ends; otherwise the other replica claims the shipments still being polled (their lease
    expired, their next poll not yet planned) and queries them again for the same due time."""
    a, b = await start_replicas(start_service, carrier, lease_seconds=LEASE, poll_batch=200)
    async with aiohttp.ClientSession() as http:
        numbers, _ = await book(http, (a, b), SLOW_N)
    # Slower than the lease plus one tick, so the other replica always ticks while a call is in flight.
    carrier.simulator.faults.delay_seconds = LEASE + TICK + 1.5

    # A failed poll is retried after at least retry_base / 2 = INTERVAL; a due poll comes INTERVAL after
    # the previous answer: either way, nothing sooner than INTERVAL after the previous query.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        polls = carrier.polls()
        if polled_too_soon(polls, INTERVAL - SLACK) or all(len(polls[n]) >= 2 for n in numbers):
            break
        await asyncio.sleep(0.25)
    carrier.simulator.faults.delay_seconds = 0
    polls = carrier.polls()
    too_soon = polled_too_soon(polls, INTERVAL - SLACK)
    assert not too_soon, f"polled again too soon (by replica, seconds since the last poll): {too_soon}"
    assert all(len(polls[n]) >= 2 for n in numbers), {n: len(polls[n]) for n in numbers}


def _certificate() -> dict[str, Any]:
    return {
        "type": "food_business_licence",
        "holder": {"name": "李四", "id_number": "330102199003070027"},
        "fields": {
            "legal_representative": "李四",
            "domicile": "浙江省温州市鹿城区人民路100号",
            "premises": "浙江省温州市鹿城区人民路100号一楼",
            "business_form": "小餐饮",
            "business_scope": "热食类食品制售",
            "licence_number": "JY23303020001234",
            "valid_until": "2031年11月27日",
        },
        "delivery": {"method": "courier", "carrier": "sf_express", "recipient": RECIPIENT},
    }


async def _next_status(stream: aiohttp.ClientResponse, *, within: float) -> Mapping[str, Any]:
    """The next `status` event of a Server-Sent Events response (keep-alive comments skipped)."""

    async def read() -> Mapping[str, Any]:
        event = ""
        data: list[str] = []
        while True:
            raw = await stream.content.readline()
            if not raw:
                raise AssertionError("the stream ended")
            line = raw.decode().rstrip("\r\n")
            if not line:
                if event == "status" and data:
                    answer: Mapping[str, Any] = json.loads("\n".join(data))
                    return answer
                event, data = "", []
            elif line.startswith("event:"):
                event = line[len("event:") :].strip()
            elif line.startswith("data:"):
                data.append(line[len("data:") :].removeprefix(" "))

    try:
        return await asyncio.wait_for(read(), within)
    except TimeoutError:
        raise AssertionError(f"no status event on the stream within {within}s") from None
