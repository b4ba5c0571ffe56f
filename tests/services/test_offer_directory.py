"""The directory's vectorised ranking agrees with the explained one, offer for offer, and
the copy each process holds sees every offer write at the next search."""

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from models.offers import ENCOUNTER_KINDS, WEEKDAYS, Offer, OfferStatus
from models.users import Role
from models.volunteers import YEAR_GROUPS, Mode
from services import offer_directory
from services.callers import Caller
from services.offer_directory.factors import COLUMNS, Filters, rank
from tests import factories

LEEDS = (53.7951, -1.5467)


def brute_force(session, school, filters: Filters) -> list[tuple]:
    """Every published encounter offer ranked in Python, as the directory orders them."""
    window = filters.window()
    hits = []
    for offer in session.scalars(select(Offer)):
        if offer.status is not OfferStatus.PUBLISHED or offer.kind not in ENCOUNTER_KINDS:
            continue
        if filters.years and not set(filters.years) & set(offer.year_groups):
            continue
        if filters.kind and offer.kind is not filters.kind:
            continue
        if filters.send and not offer.send_suitable:
            continue
        if filters.sector and filters.sector not in offer.sectors:
            continue
        hit = rank([getattr(offer, c.key) for c in COLUMNS], school, filters, window)
        if hit:
            hits.append((hit[0], hit[1] if hit[1] is not None else 1e9, str(offer.id), hit))
    return [(offer_id, hit) for *_, offer_id, hit in sorted(hits, key=lambda h: (-h[0], h[1:3]))]


def random_offers(session, partner, rng: random.Random, count: int) -> None:
    today = date.today()
    for i in range(count):
        start = today + timedelta(days=rng.randrange(-40, 40))
        ranged = rng.random() < 0.8
        factories.encounter_offer(
            session,
            partner,
            title=f"Offer {i}",
            kind=rng.choice(ENCOUNTER_KINDS),
            latitude=LEEDS[0] + rng.uniform(-0.6, 0.6),
            longitude=LEEDS[1] + rng.uniform(-0.9, 0.9),
            travel_radius_km=rng.choice([5, 20, 50, 100]),
            modes=rng.choice([[Mode.IN_PERSON], [Mode.VIRTUAL], list(Mode)]),
            year_groups=rng.sample(YEAR_GROUPS, rng.randrange(1, 8)),
            send_suitable=rng.random() < 0.3,
            sectors=rng.sample(["C", "F", "J", "Q"], rng.randrange(0, 3)),
            notice_days=rng.choice([0, 14, 21]),
            available_from=start if ranged else None,
            available_to=start + timedelta(days=rng.randrange(0, 30)) if ranged else None,
            available_weekdays=rng.sample(WEEKDAYS, rng.choice([0, 0, 1, 2, 4])),
            available_dates=[
                (today + timedelta(days=rng.randrange(-5, 60))).isoformat()
                for _ in range(rng.choice([0, 0, 1, 3]))
            ],
            target_disadvantaged=rng.random() < 0.2,
            target_local_authorities=rng.choice([[], [], ["Leeds"], ["Bradford", "Leeds"]]),
            target_combined_authorities=rng.choice([[], [], [], ["West Yorkshire"]]),
            target_skills_areas=rng.choice([[], [], [], ["Greater London", "West Yorkshire"]]),
        )


@pytest.mark.parametrize(
    "filters",
    [
        Filters(),
        Filters(year_group=10),
        Filters(key_stage=5, mode=Mode.VIRTUAL),
        Filters(mode=Mode.IN_PERSON, within_km=30),
        Filters(date_from=date.today() + timedelta(days=3), date_to=date.today() + timedelta(9)),
        Filters(send=True, sector="F"),
    ],
    ids=["none", "y10", "ks5-online", "in-school-30km", "a-week", "send-construction"],
)
def test_the_held_ranking_orders_and_counts_as_the_explained_one(session, world, filters):
    world.a.school.local_authority = "Kirklees"
    world.a.school.combined_authority = world.a.school.skills_area = "West Yorkshire"
    random_offers(session, world.a.employer, random.Random(7), 400)
    session.commit()
    caller = Caller(role=Role.SCHOOL_STAFF, organisation_id=world.a.school.id)
    expected = brute_force(session, world.a.school, filters)

    pages = [
        offer_directory.search(session, caller, page=n, page_size=10, filters=filters)
        for n in (1, 2, 3)
    ]

    assert {page.total for page in pages} == {len(expected)}
    got = [(str(hit.offer.id), hit) for page in pages for hit in page.items]
    assert [offer_id for offer_id, _ in got] == [offer_id for offer_id, _ in expected[:30]]
    for (_, hit), (_, (score, km, in_school, factors)) in zip(got, expected, strict=False):
        assert (hit.score, hit.distance_km, hit.in_school, hit.factors) == (
            score,
            km,
            in_school,
            factors,
        )
    assert len(expected) > 10  # the sample reaches past the first page


def test_the_held_offers_see_each_write_at_the_next_search(session, world):
    caller = Caller(role=Role.SCHOOL_STAFF, organisation_id=world.a.school.id)
    far_away = {"latitude": 50.7, "longitude": -3.5, "modes": [Mode.VIRTUAL]}  # online only

    def found():
        page = offer_directory.search(session, caller, page=1, page_size=50)
        return {hit.offer.title: hit.in_school for hit in page.items}

    factories.encounter_offer(session, world.a.employer, title="Held", **far_away)
    session.commit()
    assert found() == {"Held": False}

    published = factories.encounter_offer(session, world.a.employer, title="New", **far_away)
    session.commit()
    assert found() == {"Held": False, "New": False}

    published.latitude, published.longitude = LEEDS
    published.modes = [Mode.IN_PERSON]  # now it comes to the school, and only in person
    session.commit()
    assert found() == {"Held": False, "New": True}

    published.status = OfferStatus.WITHDRAWN
    session.commit()
    assert found() == {"Held": False}


def test_a_bulk_write_outside_the_orm_is_seen_once_it_stamps_the_generation(session, world):
    caller = Caller(role=Role.SCHOOL_STAFF, organisation_id=world.a.school.id)
    offer = factories.encounter_offer(
        session, world.a.employer, title="Online", modes=[Mode.VIRTUAL]
    )
    session.commit()

    def found():
        return [
            hit.offer.id
            for hit in offer_directory.search(session, caller, page=1, page_size=5).items
        ]

    assert found() == [offer.id]
    withdrawn = update(Offer).where(Offer.id == offer.id).values(status=OfferStatus.WITHDRAWN)
    session.execute(withdrawn.execution_options(synchronize_session=False))
    session.commit()
    assert found() == [offer.id]  # the process still holds the copy it read

    offer_directory.pool.stamp_generation(session)
    session.commit()
    assert found() == []
