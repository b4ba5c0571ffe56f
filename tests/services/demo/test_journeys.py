"""The demo's career journeys: across sectors, construction rich enough for several routes
from Level 2 to Level 4 and beyond, the same on every run."""

from sqlalchemy import select

from models.journeys import Journey
from services import tube_map
from tests.services.demo.conftest import snapshots


def test_the_demo_seeds_journeys_with_several_construction_routes_to_level_4(seeded):
    session = seeded.session
    assert snapshots(session)["journeys"] == seeded.first["journeys"]
    assert len({sector for j in session.scalars(select(Journey)) for sector in j.sectors}) >= 5
    construction = tube_map.build(
        session, filters=tube_map.Filters(sector="F", start_level=2, reached_level=4)
    )
    assert construction.journeys >= 100
    ends = {line.stations[-1] for line in construction.lines}
    assert len(construction.lines) >= 4 and len(ends) >= 3
    answer = tube_map.answer(session, filters=tube_map.Filters(sector="F", reached_level=4))
    assert answer.began_with_apprenticeship > 0 and answer.median_years is not None
