"""The ranking engine on hand-made pools: each factor's direction, each exclusion, ties."""

import uuid
from datetime import date, time

import numpy as np
import pytest
from sqlalchemy import delete

from models.journeys import RoleModelKind
from models.matching import PoolGeneration
from models.needs import Frequency, Need, NeedMode
from models.organisations import School
from models.users import Role
from models.volunteers import ActivityType, Mode
from services import matching
from services.callers import Caller
from services.errors import Forbidden, NotFound
from services.matching import encoding, engine
from services.matching import pool as held_pool
from services.matching.encoding import target_for
from services.matching.engine import FACTORS, SCORERS, WEIGHTS, Pool, rank
from tests import factories

LEEDS = (53.7951, -1.5467)
MONDAY_MORNING = [{"day": "monday", "starts_at": "09:00", "ends_at": "12:00"}]


def need(**values) -> Need:
    defaults = dict(
        title="Talk",
        activity_type=ActivityType.CAREERS_TALK,
        benchmark=5,
        year_groups=[9, 10],
        pupils=30,
        sectors=[],
        topics=[],
        mode=NeedMode.IN_PERSON,
        starts_on=date(2027, 3, 1),  # a Monday
        ends_on=date(2027, 3, 12),
        preferred_days=["monday"],
        earliest_time=time(9, 0),
        latest_time=time(12, 0),
        supervised=True,
        frequency=Frequency.ONE_OFF,
        overnight=False,
    )
    return Need(**{**defaults, **values})


def school(fsm: float = 30.0) -> School:
    return School(latitude=LEEDS[0], longitude=LEEDS[1], percentage_fsm=fsm)


def volunteer(**values) -> dict:
    defaults = dict(
        id=uuid.UUID(int=len(values) + 1),
        latitude=LEEDS[0] + 0.05,  # about 5.6 km north
        longitude=LEEDS[1],
        radius=20,
        activities=[ActivityType.CAREERS_TALK],
        modes=[Mode.IN_PERSON],
        years=[9, 10],
        sectors=["F"],
        topics=[],
        availability=MONDAY_MORNING,
        unavailable=[],
        dbs=(True, True, date(2026, 1, 1), False),
        size=0,
        sector=5,
        capacity=4,
        load=0,
        commitments=0,
        journey_kinds=[],
    )
    return {**defaults, **values}


def pool(*rows: dict) -> Pool:
    rows = sorted(rows, key=lambda r: r["id"])
    bits = lambda members, values: sum(1 << list(values).index(m) for m in members)  # noqa: E731
    from models.volunteers import SIC_SECTIONS, YEAR_GROUPS

    return Pool(
        ids=[r["id"] for r in rows],
        latitude=np.array([r["latitude"] for r in rows], dtype=float),
        longitude=np.array([r["longitude"] for r in rows], dtype=float),
        radius=np.array([r["radius"] for r in rows], dtype=float),
        activities=np.array([bits(r["activities"], ActivityType) for r in rows], dtype=np.int64),
        modes=np.array([bits(r["modes"], Mode) for r in rows], dtype=np.int64),
        years=np.array([bits(r["years"], YEAR_GROUPS) for r in rows], dtype=np.int64),
        sectors=np.array([bits(r["sectors"], SIC_SECTIONS) for r in rows], dtype=np.int64),
        topics=np.array([encoding.topic_bits(r["topics"]) for r in rows], dtype=np.uint64),
        availability=np.array(
            [encoding.availability_bits(r["availability"]) for r in rows], dtype=np.uint64
        ),
        dbs_through=np.array([encoding.dbs_valid_through(*r["dbs"]) for r in rows]),
        employer_size=np.array([r["size"] for r in rows]),
        employer_sector=np.array([r["sector"] for r in rows]),
        capacity=np.array([r["capacity"] for r in rows], dtype=float),
        load=np.array([r["load"] for r in rows], dtype=float),
        commitments=np.array([r["commitments"] for r in rows], dtype=float),
        journey_kinds=np.array([bits(r["journey_kinds"], RoleModelKind) for r in rows]),
        unavailable_dates={
            i: set(r["unavailable"]) for i, r in enumerate(rows) if r["unavailable"]
        },
    )


def ranked(
    the_need: Need, *rows: dict, the_school: School | None = None, met=((), ()), priority=0.0
):
    the_pool = pool(*rows)
    ranking = rank(target_for(the_need, the_school or school(), *met, priority), the_pool)
    return the_pool, ranking


def factor(the_need, row, name, **kwargs) -> float:
    the_pool, ranking = ranked(the_need, row, **kwargs)
    return ranking.factors[0, FACTORS.index(name)]


def test_weights_sum_to_one_and_breakdowns_sum_to_the_score():
    assert sum(WEIGHTS.values()) == pytest.approx(1.0)
    assert list(SCORERS) == list(WEIGHTS)  # every factor weighed has its scorer, and only those
    rows = [
        volunteer(id=uuid.UUID(int=i), load=i % 3, years=[9, 10, 11][: 1 + i % 3], radius=5 + i)
        for i in range(1, 8)
    ]
    the_pool, ranking = ranked(need(topics=["STEM"]), *rows)
    for row in ranking.order:
        one = engine.scored(the_pool, ranking, row)
        assert 0.0 <= one.score <= 1.0
        assert sum(f.contribution for f in one.breakdown) == pytest.approx(one.score, abs=1e-5)
        assert all(0.0 <= f.value <= 1.0 for f in one.breakdown)


def test_distance_nearer_scores_higher():
    near = factor(need(), volunteer(latitude=LEEDS[0] + 0.01), "distance")
    far = factor(need(), volunteer(latitude=LEEDS[0] + 0.1), "distance")
    assert near > far > 0
    assert factor(need(mode=NeedMode.VIRTUAL), volunteer(modes=[Mode.VIRTUAL]), "distance") == 1


def test_activity_exact_beats_related_beats_none_and_topics_add():
    exact = factor(need(), volunteer(), "activity")
    related = factor(need(), volunteer(activities=[ActivityType.CAREERS_FAIR]), "activity")
    none = factor(need(), volunteer(activities=[ActivityType.MENTORING]), "activity")
    assert (exact, related, none) == (1.0, 0.5, 0.0)
    with_topic = factor(need(topics=["STEM"]), volunteer(topics=["stem"]), "activity")
    without = factor(need(topics=["STEM"]), volunteer(topics=["art"]), "activity")
    assert with_topic == 1.0 and without == 0.75


def test_sector_wanted():
    assert factor(need(sectors=["F"]), volunteer(sectors=["F"]), "sector") == 1.0
    assert factor(need(sectors=["J"]), volunteer(sectors=["F"]), "sector") == 0.0
    assert factor(need(sectors=[]), volunteer(sectors=["F"]), "sector") == 1.0


def test_year_groups_share():
    assert factor(need(year_groups=[9, 10]), volunteer(years=[9, 10]), "year_groups") == 1.0
    assert factor(need(year_groups=[9, 10]), volunteer(years=[9]), "year_groups") == 0.5


def test_availability_overlap_and_not_stated():
    assert factor(need(), volunteer(), "availability") == 1.0
    half = [{"day": "monday", "starts_at": "10:30", "ends_at": "12:00"}]
    assert 0 < factor(need(), volunteer(availability=half), "availability") < 1
    assert factor(need(), volunteer(availability=[]), "availability") == engine.NOT_STATED


def test_mode_either_prefers_both():
    both = factor(need(mode=NeedMode.EITHER), volunteer(modes=list(Mode)), "mode")
    one = factor(need(mode=NeedMode.EITHER), volunteer(modes=[Mode.VIRTUAL]), "mode")
    assert both > one


def test_variety_favours_what_the_school_has_not_met():
    fresh = factor(need(), volunteer(size=0, sector=5), "variety", met=({1}, {2}))
    seen = factor(need(), volunteer(size=1, sector=2), "variety", met=({1}, {2}))
    half = factor(need(), volunteer(size=1, sector=5), "variety", met=({1}, {2}))
    assert (fresh, half, seen) == (1.0, 0.5, 0.0)


def test_fairness_falls_with_recent_load():
    assert factor(need(), volunteer(load=0), "fairness") == 1.0
    assert factor(need(), volunteer(load=2), "fairness") == 0.5
    assert factor(need(), volunteer(load=9), "fairness") == 0.0
    assert factor(need(), volunteer(load=2, capacity=8), "fairness") == 0.75  # their own limit


def test_priority_factor_is_the_schools_priority():
    low = factor(need(), volunteer(), "priority", priority=0.1)
    high = factor(need(), volunteer(), "priority", priority=0.9)
    assert high == 0.9 > low == 0.1


REGULATED = dict(supervised=False, frequency=Frequency.WEEKLY, activity_type=ActivityType.MENTORING)
EXCLUSIONS = [
    ("wrong_mode", need(), volunteer(modes=[Mode.VIRTUAL])),
    ("wrong_mode", need(mode=NeedMode.VIRTUAL), volunteer(modes=[Mode.IN_PERSON])),
    ("out_of_range", need(), volunteer(radius=3)),
    ("out_of_range", need(mode=NeedMode.EITHER), volunteer(radius=3)),
    (
        "unavailable",
        need(),
        volunteer(availability=[{"day": "friday", "starts_at": "09:00", "ends_at": "12:00"}]),
    ),
    ("unavailable", need(), volunteer(unavailable=["2027-03-01", "2027-03-08"])),
    ("safeguarding", need(**REGULATED), volunteer(dbs=(False, False, None, False))),
    ("safeguarding", need(**REGULATED), volunteer(dbs=(True, True, date(2024, 1, 1), False))),
    ("at_monthly_limit", need(), volunteer(commitments=4)),
    ("at_monthly_limit", need(), volunteer(commitments=1, capacity=1)),
]


@pytest.mark.parametrize(("reason", "the_need", "row"), EXCLUSIONS)
def test_each_exclusion_is_counted_by_reason(reason, the_need, row):
    _, ranking = ranked(the_need, row)
    assert ranking.eligible == 0
    assert ranking.excluded[reason] == 1
    assert sum(ranking.excluded.values()) == 1


def test_eligible_edge_cases():
    # Unavailable on only one of the window's Mondays; DBS on the update service; regulated.
    _, ranking = ranked(
        need(**REGULATED),
        volunteer(
            unavailable=["2027-03-01"],
            activities=[ActivityType.MENTORING],
            dbs=(True, True, date(2015, 1, 1), True),
        ),
    )
    assert ranking.eligible == 1
    # Either mode: far away but online.
    _, ranking = ranked(need(mode=NeedMode.EITHER), volunteer(radius=3, modes=list(Mode)))
    assert ranking.eligible == 1


def test_already_invited_is_excluded():
    the_pool = pool(volunteer())
    ranking = rank(target_for(need(), school()), the_pool, invited=np.array([True]))
    assert ranking.excluded["already_invited"] == 1


def test_ties_break_by_distance_then_id_deterministically():
    a = volunteer(id=uuid.UUID(int=3))
    b = volunteer(id=uuid.UUID(int=1))
    c = volunteer(id=uuid.UUID(int=2), latitude=LEEDS[0] + 0.02)  # nearer: higher score
    the_pool, ranking = ranked(need(), a, b, c)
    ids = [the_pool.ids[row] for row in ranking.order]
    assert ids == [uuid.UUID(int=2), uuid.UUID(int=1), uuid.UUID(int=3)]
    # Equal scores and distances: id order, whatever order the pool came in.
    twins = [volunteer(id=uuid.UUID(int=i)) for i in (9, 4, 7)]
    the_pool, ranking = ranked(need(), *twins)
    assert [the_pool.ids[r].int for r in ranking.order] == [4, 7, 9]


def test_limit_keeps_the_best_and_every_tie_at_the_cut():
    rows = [volunteer(id=uuid.UUID(int=i), load=i % 4) for i in range(1, 41)]
    the_pool = pool(*rows)
    target = target_for(need(), school())
    full = rank(target, the_pool)
    for limit in (1, 5, 10, 33):
        top = rank(target, the_pool, limit=limit)
        assert list(top.order) == list(full.order[:limit])


def test_dbs_valid_through_matches_the_volunteer_rule():
    from services.volunteers import dbs_expiry

    for issued in (date(2024, 2, 29), date(2023, 6, 1), date(2025, 12, 31)):
        assert encoding.dbs_valid_through(True, True, issued, False) == encoding.date_code(
            dbs_expiry(issued)
        )


def test_the_pool_is_held_until_volunteers_or_employers_change(session, world):
    held, _ = held_pool.volunteer_pool(session)
    assert held_pool.volunteer_pool(session)[0] is held
    world.a.employer.size_band = "micro"
    session.commit()
    renewed, rows = held_pool.volunteer_pool(session)
    assert renewed is not held
    assert sorted(rows.values()) == list(range(len(renewed))) and len(renewed) == 2


def test_a_database_without_a_generation_holds_nothing(session, world):
    session.execute(delete(PoolGeneration))
    session.commit()
    first, _ = held_pool.volunteer_pool(session)
    assert held_pool.volunteer_pool(session)[0] is not first
    held_pool.stamp_pool_generation(session)
    session.commit()
    held, _ = held_pool.volunteer_pool(session)
    assert held_pool.volunteer_pool(session)[0] is held


def test_the_entry_points_authorize_the_caller(session, world):
    the_need = factories.need(session, world.a.school)
    session.commit()
    a, b = world.a, world.b

    def as_(side, role: Role) -> Caller:
        user = side.users[role]
        return Caller(role=role, organisation_id=user.organisation_id, user_id=user.id)

    page = matching.candidates(session, as_(a, Role.SCHOOL_STAFF), the_need.id, page=1, page_size=5)
    assert page.total == len(page.items) > 0
    with pytest.raises(NotFound):
        matching.candidates(session, as_(b, Role.SCHOOL_STAFF), the_need.id, page=1, page_size=5)
    volunteer_id = a.volunteer.id
    items, total, _ = matching.opportunities(
        session, as_(a, Role.VOLUNTEER), volunteer_id, page=1, page_size=5
    )
    assert [o.need.id for o in items] == [the_need.id] and total == 1
    with pytest.raises(Forbidden):
        matching.opportunities(
            session, as_(a, Role.SCHOOL_STAFF), volunteer_id, page=1, page_size=5
        )
