"""The transactional outbox: events are rows written with the change they describe.

A later worker delivers undelivered rows to webhook subscribers (`FOR UPDATE SKIP LOCKED`
on PostgreSQL lets many workers share them); here we only ever append.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.bookings import OutboxEvent

EVENT_TYPES = (
    "booking.requested",
    "booking.confirmed",
    "booking.declined",
    "booking.cancelled",
    "booking.completed",
    "waitlist.offered",
    "adviser_assignment.started",
    "adviser_assignment.hours_logged",
    "adviser_assignment.ended",
    # Career journeys (services/journeys.py): thin payloads, never a volunteer's steps.
    "journey.updated",
    "journey.shared",
    "journey.withdrawn",
    "journey.deleted",
    # Provider access (issue 17) and encounter-offer requests (issue 16).
    "provider_access_policy.published",
    "offer_request.requested",
    "offer_request.proposed",
    "offer_request.scheduled",
    "offer_request.declined",
    "offer_request.cancelled",
    "provider_access_request.requested",
    "provider_access_request.proposed",
    "provider_access_request.scheduled",
    "provider_access_request.declined",
    "provider_access_request.cancelled",
    # The careers programme (issue 19): plans, activities, self-evaluations, destinations.
    "programme_plan.created",
    "programme_plan.updated",
    "programme_plan.published",
    "programme_activity.created",
    "programme_activity.updated",
    "programme_activity.deleted",
    "programme_activity.need_created",
    "self_evaluation.saved",
    "destination.recorded",
)


def publish(session: Session, event_type: str, payload: dict) -> OutboxEvent:
    """Append an event to the caller's transaction (it commits, or vanishes, with the change)."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"undeclared event type {event_type!r}")
    event = OutboxEvent(type=event_type, payload=payload)
    session.add(event)
    return event


def pending(session: Session, *, limit: int = 100) -> list[OutboxEvent]:
    """Undelivered events, oldest first."""
    query = (
        select(OutboxEvent)
        .where(OutboxEvent.delivered_at.is_(None))
        .order_by(OutboxEvent.created_at, OutboxEvent.id)
        .limit(limit)
    )
    return list(session.scalars(query))
