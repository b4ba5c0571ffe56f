"""Digests: each morning, a person who chose the daily digest gets their held notices in
one message; each Monday, a hub's coordinators get what changed in their hub last week.

Both are due from `DIGEST_HOUR` (Europe/London) and owed once per person and day (or
week), so a sweep may run as often as it likes.
"""

import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.base import LONDON
from models.bookings import Booking, BookingStatus, Slot
from models.encounters import Encounter
from models.matches import Match, MatchStatus
from models.needs import Need
from models.notifications import Notification, NotificationStatus
from models.offer_requests import OfferRequest, RequestStatus
from models.organisations import Hub, School
from models.users import Role
from services.notifications import queue
from services.notifications.messages import MailSettings, render
from services.notifications.people import Recipient, long_date, members

DIGEST_HOUR = 7
ANSWERED = (MatchStatus.ACCEPTED, MatchStatus.CONFIRMED, MatchStatus.SCHEDULED)


def sweep(session: Session, *, now: datetime) -> int:
    local = now.astimezone(ZoneInfo(LONDON))
    if local.hour < DIGEST_HOUR:
        return 0
    owed = _daily(session, local.date(), now)
    if local.weekday() == 0:
        owed += _weekly(session, local.date(), now)
    return owed


def _daily(session: Session, today: date, now: datetime) -> int:
    held = session.scalars(
        select(Notification)
        .where(Notification.status == NotificationStatus.HELD)
        .order_by(Notification.user_id, Notification.created_at, Notification.id)
    ).all()
    by_user: dict[uuid.UUID, list[Notification]] = {}
    for notification in held:
        by_user.setdefault(notification.user_id, []).append(notification)
    owed = 0
    for user_id, items in by_user.items():
        digest = queue.enqueue(
            session,
            key=f"daily_digest:{user_id}:{today.isoformat()}",
            kind="daily_digest",
            recipient=Recipient(items[0].email, user_id),
            essential=False,
            context={"day": today.isoformat()},
            now=now,
        )
        if digest is None:
            continue
        if digest.status is NotificationStatus.HELD:
            digest.status = NotificationStatus.PENDING  # the digest itself is what they chose
        digest.context = {**digest.context, "id": str(digest.id)}
        for item in items:
            item.status, item.digest_id = NotificationStatus.DIGESTED, digest.id
        owed += 1
    session.flush()
    return owed


def _weekly(session: Session, monday: date, now: datetime) -> int:
    owed = 0
    for hub_id in session.scalars(select(Hub.id).order_by(Hub.id)):
        for recipient in members(session, hub_id, Role.COORDINATOR):
            made = queue.enqueue(
                session,
                key=f"weekly_digest:{hub_id}:{monday.isoformat()}:{recipient.key}",
                kind="weekly_digest",
                recipient=recipient,
                essential=False,
                context={"hub_id": str(hub_id), "week_starts": monday.isoformat()},
                now=now,
            )
            owed += made is not None
    return owed


def daily_context(session: Session, context: dict, settings: MailSettings, *, kinds) -> dict:
    """Each held notice as its subject and link, as they read now."""
    items = []
    for held in session.scalars(
        select(Notification)
        .where(Notification.digest_id == uuid.UUID(context["id"]))
        .order_by(Notification.created_at, Notification.id)
    ):
        item = kinds[held.kind].context(session, held.context, settings)
        if item is not None:
            subject = render(held.kind, {**item, "unsubscribe_url": None, "preferences_url": ""})
            items.append({"subject": subject.subject, "link": item["link"]})
    if not items:
        return None
    return {"day": long_date(date.fromisoformat(context["day"])), "items": items}


def weekly_context(session: Session, context: dict, settings: MailSettings) -> dict | None:
    """Last week's changes across the hub's schools, and the visits booked for this week."""
    hub = session.get(Hub, uuid.UUID(context["hub_id"]))
    if hub is None:
        return None
    monday = date.fromisoformat(context["week_starts"])
    start = datetime.combine(monday - timedelta(days=7), time(), ZoneInfo(LONDON))
    end = start + timedelta(days=7)
    schools = select(School.id).where(School.hub_id == hub.id)
    needs = select(Need.id).where(Need.school_id.in_(schools))

    def count(query, column) -> int:
        query = query.where(column >= start, column < end)
        return session.scalar(select(func.count()).select_from(query.subquery()))

    matches = select(Match.id).where(Match.need_id.in_(needs))
    bookings = select(Booking.id).where(Booking.school_id.in_(schools))
    requests = select(OfferRequest.id).where(OfferRequest.school_id.in_(schools))
    decided = bookings.where(Booking.status.in_((BookingStatus.CONFIRMED, BookingStatus.COMPLETED)))
    ahead = bookings.join(Slot, Slot.id == Booking.slot_id).where(
        Booking.status == BookingStatus.CONFIRMED,
        Slot.date >= monday,
        Slot.date < monday + timedelta(days=7),
    )
    return {
        "hub": hub.name,
        "week": f"{long_date(start.date())} to {long_date((end - timedelta(days=1)).date())}",
        "needs_posted": count(select(Need.id).where(Need.school_id.in_(schools)), Need.created_at),
        "invited": count(matches, Match.invited_at),
        "accepted": count(matches.where(Match.status.in_(ANSWERED)), Match.responded_at),
        "declined": count(matches.where(Match.status == MatchStatus.DECLINED), Match.responded_at),
        "bookings_requested": count(bookings, Booking.created_at),
        "bookings_confirmed": count(decided, Booking.decided_at),
        "encounters_recorded": count(
            select(Encounter.id).where(Encounter.school_id.in_(schools)), Encounter.created_at
        ),
        "requests_made": count(requests, OfferRequest.created_at),
        "requests_scheduled": count(
            requests.where(OfferRequest.status == RequestStatus.SCHEDULED), OfferRequest.decided_at
        ),
        "visits_ahead": session.scalar(select(func.count()).select_from(ahead.subquery())),
        "link": settings.link(f"/api/v1/hubs/{hub.id}/report"),
    }
