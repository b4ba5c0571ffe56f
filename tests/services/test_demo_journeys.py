"""The demo's career journeys: across sectors, construction rich enough for several routes
from Level 2 to Level 4 and beyond, the same on every run."""

from sqlalchemy import select

from models.journeys import Journey
from services import demo, tube_map


def snapshot(session):
    session.expire_all()
    return sorted(
        (str(j.id), j.steps, j.shared, j.updated_at) for j in session.scalars(select(Journey))
    )


def test_the_demo_seeds_journeys_with_several_construction_routes_to_level_4(loaded_session):
    session = loaded_session
    demo.seed(session)
    session.commit()
    first = snapshot(session)

    demo.seed(session)
    session.commit()

    assert snapshot(session) == first
    assert len({sector for j in session.scalars(select(Journey)) for sector in j.sectors}) >= 5
    construction = tube_map.build(
        session, filters=tube_map.Filters(sector="F", start_level=2, reached_level=4)
    )
    assert construction.journeys >= 100
    ends = {line.stations[-1] for line in construction.lines}
    assert len(construction.lines) >= 4 and len(ends) >= 3
    answer = tube_map.answer(session, filters=tube_map.Filters(sector="F", reached_level=4))
    assert answer.began_with_apprenticeship > 0 and answer.median_years is not None
