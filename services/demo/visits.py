"""The demo's workplace visits: published offers with slots, some full, some partly booked."""

from datetime import time, timedelta

from sqlalchemy.orm import Session

from models.bookings import Booking, BookingStatus, Slot, SlotAllocation
from models.offers import Offer, OfferKind, OfferStatus
from models.organisations import (
    Employer,
    School,
)
from services import school_years
from services.demo.base import (
    DEMO_EMPLOYERS,
    demo_id,
    get_or_add,
)

# (employer index, kind, title, year groups, seats per slot, seats booked per slot by schools)
DEMO_OFFERS = [
    (
        0,
        OfferKind.WORKPLACE_VISIT,
        "Factory floor tour: how a gearbox is made",
        [9, 10],
        15,
        [[(0, 8, BookingStatus.CONFIRMED), (1, 7, BookingStatus.CONFIRMED)], []],
    ),  # first full
    (
        1,
        OfferKind.WORKPLACE_VISIT,
        "A day in a software studio",
        [10, 11, 12],
        12,
        [[(1, 4, BookingStatus.REQUESTED)], [(0, 6, BookingStatus.CONFIRMED)]],
    ),
    (
        2,
        OfferKind.JOB_SHADOWING,
        "Shadow a site manager",
        [12, 13],
        4,
        [[(0, 4, BookingStatus.CONFIRMED)], []],
    ),  # full
    (
        3,
        OfferKind.WORK_EXPERIENCE,
        "Work experience week: retail operations",
        [10, 12],
        6,
        [[(1, 2, BookingStatus.REQUESTED)], []],
    ),
    (
        4,
        OfferKind.WORKPLACE_VISIT,
        "Energy control room visit",
        [8, 9, 10, 11],
        20,
        [[], [(0, 10, BookingStatus.REQUESTED)]],
    ),
    (
        5,
        OfferKind.VIRTUAL_WORK_EXPERIENCE,
        "Virtual work experience: water engineering",
        [9, 10, 11],
        30,
        [[], []],
    ),
]


def seed(session: Session, schools: list[School]) -> None:
    """Published offers from the first demo employers, two slots each from the Monday after
    the first seeding; some slots full, some partly booked by the demo schools. Counts are
    set only when a slot is first made, so later bookings made through the API stand."""
    today = school_years.london_today()
    first_monday = today + timedelta(days=7 - today.weekday())
    employers = [session.get(Employer, demo_id(name)) for name, _, _ in DEMO_EMPLOYERS]
    employers += [session.get(Employer, demo_id(f"employer:{i}")) for i in range(2, 6)]
    for number, (index, kind, title, years, seats, booked) in enumerate(DEMO_OFFERS):
        offer = _offer(session, number, employers[index], kind, title, years)
        session.flush()
        for week, bookings in enumerate(booked):
            slot_id = demo_id(f"slot:{number}:{week}")
            if session.get(Slot, slot_id) is None:
                day = first_monday + timedelta(weeks=week + 1, days=number % 5)
                _slot(session, offer, slot_id, day, seats, bookings, schools, ids=(number, week))
                session.flush()


def _offer(session: Session, number: int, employer: Employer, kind, title, years) -> Offer:
    in_person = kind is not OfferKind.VIRTUAL_WORK_EXPERIENCE
    return get_or_add(
        session,
        Offer,
        demo_id(f"offer:{number}"),
        employer_id=employer.id,
        kind=kind,
        title=title,
        description=f"{title}, hosted by {employer.name}.",
        postcode=employer.postcode if in_person else None,
        latitude=employer.latitude if in_person else None,
        longitude=employer.longitude if in_person else None,
        sectors=[employer.sector_code],
        year_groups=years,
        accessibility_notes="Step-free access; quiet room available.",
        risk_assessment_done=True,
        liability_insurance=True,
        named_supervisor="Jo Demo (site lead)",
        day_length_hours=5,
        status=OfferStatus.PUBLISHED,
    )


def _slot(session: Session, offer: Offer, slot_id, day, seats, bookings, schools, *, ids) -> None:
    """A slot and the demo schools' bookings of it, their seats allocated per school; the
    first and fifth offers cap the seats one school may take."""
    number, week = ids  # the offer's and the slot's place in DEMO_OFFERS
    session.add(
        Slot(
            id=slot_id,
            offer_id=offer.id,
            date=day,
            starts_at=time(9, 30),
            ends_at=time(14, 30),
            seats=seats,
            booked=sum(n for _, n, _ in bookings),
            school_cap=seats // 2 + 1 if number in (0, 4) else None,
        )
    )
    session.flush()
    for school_index, n, status in bookings:
        school = schools[school_index]
        session.add(
            Booking(
                id=demo_id(f"booking:{number}:{week}:{school_index}"),
                slot_id=slot_id,
                school_id=school.id,
                year_group=offer.year_groups[0],
                seats=n,
                staff_lead_name="Demo Careers Leader",
                status=status,
                parental_consent_recorded=offer.kind.needs_parental_consent,
            )
        )
        session.add(SlotAllocation(slot_id=slot_id, school_id=school.id, booked=n))
