"""The webhook inbox: carrier pushes stored before they are acknowledged, and replayed until applied.

Receiving: `Inbox.accept` writes the push and applies its events in one transaction, shared with the
pushes that arrive meanwhile (group commit); applying runs under a savepoint, so a push whose events
cannot be applied is still committed — pending — and its carrier still gets the acknowledgement.

Replaying: every replica runs `claim_due` → `replay` / `record_failure`. Rows are claimed with a lease
(SKIP LOCKED on PostgreSQL, a conditional update everywhere), retried with exponential backoff, and
after `InboxRetry.max_attempts` parked as failed: kept with their error for an operator, who can count
them (`count_failed_pushes`, for `certpost doctor`) and put them back in line (`requeue_failed_pushes`).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from couriers import TrackingEvent
from delivery.storage.database import dialect
from delivery.storage.group_commit import GroupCommit
from delivery.storage.models import WebhookInbox
from delivery.storage.shipments import PollPlanner, ShipmentChange, ShipmentRepository
from scheduler import backoff_delay

__all__ = [
    "Inbox",
    "InboxRetry",
    "ReceivedPush",
    "StoredPush",
    "count_failed_pushes",
    "count_pending_pushes",
    "requeue_failed_pushes",
]

log = logging.getLogger(__name__)

_ERROR_LIMIT = 2000


@dataclass(frozen=True, slots=True)
class ReceivedPush:
    """An authenticated push as it is stored (headers already stripped of cookies), with its events."""

    carrier: str
    path_tail: str
    content_type: str
    headers: Mapping[str, str]
    body: bytes
    events: Sequence[TrackingEvent]


@dataclass(frozen=True, slots=True)
class StoredPush:
    """A pending inbox row claimed for replay by `lease_owner`."""

    id: int
    carrier: str
    path_tail: str
    content_type: str
    headers: Mapping[str, str]
    body: bytes
    attempts: int
    lease_owner: str


@dataclass(frozen=True, slots=True)
class InboxRetry:
    """How pending pushes are retried: attempt n failed → next one after about `base`·2ⁿ⁻¹ (jittered,
    at most `cap`); after `max_attempts` the row is parked as failed. `lease` bounds how long a replica
    that claimed a row may take before another one may claim it again."""

    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(hours=1)
    max_attempts: int = 10
    lease: timedelta = timedelta(minutes=5)

    def next_attempt(self, attempts: int, now: datetime) -> datetime | None:
        """When to try again after `attempts` failed attempts; None: stop and park the row."""
        if attempts >= self.max_attempts:
            return None
        return now + backoff_delay(attempts, self.base, self.cap)


class Inbox:
    """One per service. `accept` is safe to call from many requests at once; `close` before the
    database closes, so groups already submitted are written."""

    def __init__(
        self,
        shipments: ShipmentRepository,
        plan: PollPlanner,
        retry: InboxRetry | None = None,
        *,
        max_group: int = 64,
    ) -> None:
        self._shipments = shipments
        self._plan = plan
        self.retry = retry or InboxRetry()
        self._group: GroupCommit[ReceivedPush, None] = GroupCommit(self._write, max_group=max_group)

    async def accept(self, push: ReceivedPush) -> None:
        """Return once the push is committed: applied, or pending for replay if applying failed.

        Raises when it could not be stored; the carrier must then not be acknowledged (it retries).
        """
        await self._group.submit(push)

    async def close(self) -> None:
        await self._group.close()

    async def _write(self, pushes: Sequence[ReceivedPush]) -> list[None]:
        now = datetime.now(UTC)
        async with in_transaction():
            outcomes, changes = await self._apply(pushes, now)
            rows = []
            for push, outcome in zip(pushes, outcomes, strict=True):
                state: dict[str, Any]
                if isinstance(outcome, Exception):
                    retry_at = self.retry.next_attempt(1, now)
                    state = {
                        "attempts": 1,
                        "last_error": repr(outcome)[:_ERROR_LIMIT],
                        "next_attempt_at": retry_at,
                        "failed_at": None if retry_at is not None else now,
                    }
                else:
                    state = {"processed_at": now, "last_error": _unknown_note(outcome)}
                rows.append(
                    WebhookInbox(
                        carrier=push.carrier,
                        path_tail=push.path_tail,
                        content_type=push.content_type,
                        headers=dict(push.headers),
                        body=push.body,
                        received_at=now,
                        **state,
                    )
                )
            await WebhookInbox.bulk_create(rows)
        for row, outcome in zip(rows, outcomes, strict=True):
            if isinstance(outcome, Exception):
                parked = row.failed_at is not None
                log.log(
                    logging.ERROR if parked else logging.WARNING,
                    "applying a push from %s failed; it is stored and %s",
                    row.carrier,
                    "parked as failed" if parked else "will be replayed",
                    exc_info=outcome,
                )
        await self._shipments.notify(changes)
        return [None] * len(pushes)

    async def _apply(
        self, pushes: Sequence[ReceivedPush], now: datetime
    ) -> tuple[list[list[str] | Exception], list[ShipmentChange]]:
        """Per push: its unknown tracking numbers, or why applying it failed. The group is applied under
        one savepoint; if that fails, each push under its own, so one bad push holds back no other."""
        try:
            async with in_transaction():
                done = await self._shipments.apply_pushes(
                    [(p.carrier, p.events) for p in pushes], now=now, plan=self._plan
                )
            return list(done.unknown), done.changes
        except Exception as e:
            if len(pushes) == 1:
                return [e], []
            log.warning("applying %d pushes together failed (%r); applying them one by one", len(pushes), e)
        outcomes: list[list[str] | Exception] = []
        changes: list[ShipmentChange] = []
        for push in pushes:
            try:
                async with in_transaction():
                    done = await self._shipments.apply_pushes(
                        [(push.carrier, push.events)], now=now, plan=self._plan
                    )
            except Exception as e:
                outcomes.append(e)
                continue
            outcomes += done.unknown
            changes += done.changes
        return outcomes, changes

    # -- replay ------------------------------------------------------------------------------------

    async def claim_due(self, now: datetime, limit: int) -> list[StoredPush]:
        """Lease up to `limit` pending rows that are due, oldest first; replicas get disjoint sets."""
        claim_id = uuid.uuid4().hex
        due = Q(processed_at__isnull=True, failed_at__isnull=True) & (
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
        )
        free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
        async with in_transaction():
            query = WebhookInbox.filter(due & free).order_by("id").limit(limit)
            if dialect() == "postgres":
                query = query.select_for_update(skip_locked=True)
            ids = list(await query.values_list("id", flat=True))
            if not ids:
                return []
            await WebhookInbox.filter(Q(id__in=ids) & due & free).update(
                lease_owner=claim_id, lease_until=now + self.retry.lease
            )
        rows = await WebhookInbox.filter(id__in=ids, lease_owner=claim_id).order_by("id")
        return [
            StoredPush(
                r.id,
                r.carrier,
                r.path_tail,
                r.content_type,
                dict(r.headers),
                bytes(r.body),
                r.attempts,
                claim_id,
            )
            for r in rows
        ]

    async def replay(self, push: StoredPush, events: Sequence[TrackingEvent], *, now: datetime) -> None:
        """Apply a claimed push and mark it processed, in one transaction."""
        async with in_transaction():
            done = await self._shipments.apply_pushes([(push.carrier, events)], now=now, plan=self._plan)
            await WebhookInbox.filter(id=push.id, processed_at__isnull=True).update(
                processed_at=now,
                attempts=push.attempts + 1,
                last_error=_unknown_note(done.unknown[0]),
                next_attempt_at=None,
                lease_owner=None,
                lease_until=None,
            )
        await self._shipments.notify(done.changes)

    async def record_failure(self, push: StoredPush, error: str, *, now: datetime) -> bool:
        """Count a failed attempt and schedule the next one; True when it was the last (row parked)."""
        attempts = push.attempts + 1
        retry_at = self.retry.next_attempt(attempts, now)
        await WebhookInbox.filter(id=push.id, lease_owner=push.lease_owner, processed_at__isnull=True).update(
            attempts=attempts,
            last_error=error[:_ERROR_LIMIT],
            next_attempt_at=retry_at,
            failed_at=None if retry_at is not None else now,
            lease_owner=None,
            lease_until=None,
        )
        return retry_at is None

    async def park(self, push: StoredPush, reason: str, *, now: datetime) -> None:
        """Stop retrying a push that no retry can apply (its carrier is gone, it no longer parses)."""
        await WebhookInbox.filter(id=push.id, lease_owner=push.lease_owner, processed_at__isnull=True).update(
            attempts=push.attempts + 1,
            last_error=reason[:_ERROR_LIMIT],
            next_attempt_at=None,
            failed_at=now,
            lease_owner=None,
            lease_until=None,
        )


def _unknown_note(unknown: Sequence[str]) -> str | None:
    return f"unknown tracking numbers: {', '.join(unknown)}" if unknown else None


# -- for operators -----------------------------------------------------------------------------------


async def count_failed_pushes() -> int:
    """Pushes parked after their last attempt: acknowledged to the carrier, never applied."""
    return await WebhookInbox.filter(processed_at__isnull=True, failed_at__isnull=False).count()


async def count_pending_pushes() -> int:
    """Pushes stored and not applied yet, still being retried."""
    return await WebhookInbox.filter(processed_at__isnull=True, failed_at__isnull=True).count()


async def requeue_failed_pushes(now: datetime, ids: Sequence[int] | None = None) -> int:
    """Put parked pushes (all, or those in `ids`) back in line with a fresh attempt budget, e.g. after
    the carrier's configuration was fixed; returns how many."""
    query = WebhookInbox.filter(processed_at__isnull=True, failed_at__isnull=False)
    if ids is not None:
        query = query.filter(id__in=list(ids))
    return await query.update(failed_at=None, attempts=0, next_attempt_at=now)
