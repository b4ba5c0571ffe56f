"""The demo's workplace visits: published offers near Leeds with slots, some full and
some booked by the demo schools, the same after seeding twice."""

from sqlalchemy import func, select

from models.bookings import HOLDING_SEATS, Booking, Slot
from models.offers import WORKPLACE_KINDS, Offer, OfferStatus
from services import demo
from services.geo import distance_km


def test_the_demo_seeds_visits_with_full_and_booked_slots_idempotently(seeded):
    session = seeded.session

    offers = session.scalars(select(Offer).where(Offer.kind.in_(WORKPLACE_KINDS))).all()
    slots = session.scalars(select(Slot)).all()
    assert len(offers) == len(demo.visits.DEMO_OFFERS)
    assert all(o.status is OfferStatus.PUBLISHED for o in offers)
    for offer in offers:
        if offer.latitude is not None:
            assert distance_km(*demo.base.DEMO_CENTRE, offer.latitude, offer.longitude) <= 25
    assert len(slots) == 2 * len(demo.visits.DEMO_OFFERS)
    assert sum(s.booked == s.seats for s in slots) == 2  # full
    assert sum(0 < s.booked < s.seats for s in slots) >= 4  # partly booked
    for slot in slots:
        held = session.scalar(
            select(func.coalesce(func.sum(Booking.seats), 0)).where(
                Booking.slot_id == slot.id, Booking.status.in_(HOLDING_SEATS)
            )
        )
        assert slot.booked == held
