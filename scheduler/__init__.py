"""Background work: booking retries, the polling safety net, replaying stored pushes.

Depends on `couriers` only; the service implements the ports in `scheduler.ports`.
"""

from scheduler.booking import BookingJob, attempt_booking
from scheduler.policy import PollDecision, PollIntervals, backoff_delay, plan_next_poll, query_allowed
from scheduler.polling import PollJob
from scheduler.ports import BookingStore, BookingTask, InboxProcessor, PollTask, ShipmentState, TrackingStore
from scheduler.runner import BackgroundJobs
from scheduler.throttle import Pacer, pacers_for

__all__ = [
    "BackgroundJobs",
    "BookingJob",
    "BookingStore",
    "BookingTask",
    "InboxProcessor",
    "Pacer",
    "PollDecision",
    "PollIntervals",
    "PollJob",
    "PollTask",
    "ShipmentState",
    "TrackingStore",
    "attempt_booking",
    "backoff_delay",
    "pacers_for",
    "plan_next_poll",
    "query_allowed",
]
