"""The tube map and the journey answers, on small hand-made journey sets whose answers
were worked out by hand."""

import pytest

from models.base import london_today
from services import journeys, tube_map
from services.errors import InvalidInput
from services.tube_map import Filters, SharedJourney
from tests import factories
from tests.factories import qualification_step as qualification
from tests.factories import role_step as role


def trades(start: int, hnc_after: int = 8) -> list[dict]:
    """GCSEs, a bricklaying apprenticeship, then an HNC `hnc_after` years after starting."""
    return [
        qualification("gcse", 2, start, route="school"),
        role(531, 2, start + 5, route="apprenticeship"),
        qualification("hnc", 4, start + hnc_after, route="higher_technical", sector="F"),
    ]


def degree(start: int) -> list[dict]:
    return [
        qualification("gcse", 2, start, route="school"),
        qualification("a_level", 3, start + 5, route="sixth_form"),
        qualification("bachelors_degree", 6, start + 7, route="university"),
    ]


# Three trades journeys (one path), two degree journeys (another) and one painter whose
# occupation (532) nobody else shares.
HAND_MADE = [
    trades(2010, 8),
    trades(2011, 9),
    trades(2012, 7),
    degree(2005),
    degree(2006),
    [qualification("gcse", 2, 2000, route="school"), role(532, 2, 2005)],
]


def test_stations_count_journeys_and_rare_steps_fold_into_their_group():
    graph = tube_map.graph(
        tube_map.walks(factories.shared_journey(s) for s in HAND_MADE), min_count=2
    )

    counts = {station.id: station.count for station in graph.stations}
    assert counts == {
        "qualification-gcse-2": 6,
        "role-531-2": 3,
        "role-group-53-2": 1,  # the painter, folded into skilled construction trades
        "qualification-a-level-3": 2,
        "qualification-hnc-4": 3,
        "qualification-bachelors-degree-6": 2,
    }
    painter = next(s for s in graph.stations if s.id == "role-group-53-2")
    assert painter.label == "Skilled construction and building trades"
    assert graph.journeys == 6


def test_lines_are_shared_paths_most_common_first_with_interchanges():
    graph = tube_map.graph(
        tube_map.walks(factories.shared_journey(s) for s in HAND_MADE), min_count=2
    )

    assert [(line.stations, line.count) for line in graph.lines] == [
        (["qualification-gcse-2", "role-531-2", "qualification-hnc-4"], 3),
        (
            [
                "qualification-gcse-2",
                "qualification-a-level-3",
                "qualification-bachelors-degree-6",
            ],
            2,
        ),
    ]
    trades_line = graph.lines[0]
    assert trades_line.name == "Apprenticeship: L2 to HNC (L4)"
    assert [s.id for s in graph.interchanges] == ["qualification-gcse-2"]
    assert set(graph.interchanges[0].lines) == {line.id for line in graph.lines}
    assert len({line.colour for line in graph.lines}) == 2


def test_a_line_needs_the_minimum_count_so_no_one_journey_is_a_line():
    graph = tube_map.graph(
        tube_map.walks(factories.shared_journey(s) for s in HAND_MADE), min_count=3
    )

    assert [line.count for line in graph.lines] == [3]  # the two degrees are too few
    ids = {station.id for station in graph.stations}
    # Fewer than three took A levels or a degree: those steps fold, and still count.
    assert {"qualification-group-other-3", "qualification-group-other-6"} <= ids
    assert "qualification-a-level-3" not in ids

    alone = tube_map.graph(tube_map.walks([factories.shared_journey(HAND_MADE[0])]), min_count=2)
    assert alone.lines == []


def test_lines_name_only_those_who_chose_to_be_named_and_answers_nobody():
    people = [
        SharedJourney(steps, journeys.summary(steps)["first_route"], name)
        for steps, name in zip(HAND_MADE, ["Ann", None, "Bo", "Cy", None, "Di"], strict=True)
    ]
    graph = tube_map.graph(tube_map.walks(people), min_count=2)

    # Di's painter journey is on no line, so the map names nobody for it.
    assert {line.stations[-1]: line.named for line in graph.lines} == {
        "qualification-hnc-4": ["Ann", "Bo"],
        "qualification-bachelors-degree-6": ["Cy"],
    }
    answer = tube_map.summarise(people, filters=Filters(reached_level=4), min_count=2)
    assert "Ann" not in repr(answer)  # answers count journeys, never names


def test_a_line_keeps_its_colour_when_other_journeys_come_and_go():
    with_degrees = tube_map.graph(
        tube_map.walks(factories.shared_journey(s) for s in HAND_MADE), min_count=2
    )
    trades_only = tube_map.graph(
        tube_map.walks(factories.shared_journey(s) for s in HAND_MADE[:3]), min_count=2
    )

    assert trades_only.lines[0].id == with_degrees.lines[0].id
    assert trades_only.lines[0].colour == with_degrees.lines[0].colour


def test_answers_count_median_years_and_routes_to_the_level_asked():
    answer = tube_map.summarise(
        [factories.shared_journey(s) for s in HAND_MADE],
        filters=Filters(reached_level=4),
        min_count=2,
    )

    # Every journey counts (the filter is the database's job); years to Level 4 or above:
    # trades 8, 9, 7; degrees 7, 7; the painter never got there (2 years to their top).
    assert answer.journeys == 6
    assert answer.median_years == 7.0
    assert answer.began_with_apprenticeship == 3
    # After school (sixth form counts as school); the painter's "work" is too rare to show.
    assert answer.first_routes == {"apprenticeship": 3, "university": 2}
    assert [(r.routes, r.journeys, r.median_years) for r in answer.routes] == [
        (["school", "apprenticeship", "higher_technical"], 3, 8.0),
        (["school", "sixth_form", "university"], 2, 7.0),
    ]


def test_answers_withhold_medians_and_routes_below_the_minimum():
    answer = tube_map.summarise(
        [factories.shared_journey(s) for s in HAND_MADE[:2]],
        filters=Filters(reached_level=4),
        min_count=3,
    )

    assert answer.journeys == 2
    assert answer.median_years is None
    assert answer.routes == []
    assert answer.first_routes == {}


@pytest.fixture
def stored(session, world):
    """The hand-made journeys as shared journeys of volunteers (one more, not shared)."""
    regions = ["North West", "London", "North West", None, None, "London"]
    for steps, region in zip(HAND_MADE, regions, strict=True):
        volunteer = factories.volunteer(session, world.a.employer)
        factories.journey(session, volunteer, steps, region=region)
    hidden = factories.volunteer(session, world.a.employer)
    factories.journey(session, hidden, trades(2001), shared=False)
    session.commit()


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(), 6),  # the journey not shared never counts
        (Filters(sector="F"), 4),  # trades (HNC and 531 are construction) and the painter
        (Filters(start_level=2, reached_level=4), 5),
        (Filters(reached_level=6), 2),
        (Filters(route="apprenticeship"), 3),
        (Filters(region="London"), 2),
        (Filters(sector="F", region="North West"), 2),
        (Filters(start_level=3), 0),
    ],
)
def test_filters_select_the_shared_journeys(session, stored, filters, expected):
    assert tube_map.build(session, filters=filters, min_count=2).journeys == expected


def test_journeys_are_checked_step_by_step():
    this_year = london_today().year
    steps = [
        qualification("hnc", 2, 2012, route="higher_technical"),  # an HNC is Level 4
        role(999, 3, 2011),  # no such occupation, and before the step above
        qualification("gcse", 2, this_year + 1, route="school"),  # the future
        {**role(531, 2, 2014), "qualification_type": "gcse", "end_year": 2013},
    ]
    with pytest.raises(InvalidInput) as raised:
        journeys.check(steps, shared=False, named=True, region="Atlantis")

    errors = raised.value.errors
    assert errors["named"] == ["Only a shared journey can be shown with your name."]
    assert "region" in errors
    assert errors["steps.0.level"] == ["HNC is at level 4, not 2."]
    assert errors["steps.1.soc_minor_group"] == ["Not a SOC 2020 minor group (such as 531)."]
    assert errors["steps.1.start_year"] == [
        "Steps go in order: this starts before the step above (2012)."
    ]
    assert errors["steps.2.start_year"] == [
        f"No future years: {this_year + 1} is after {this_year}."
    ]
    assert errors["steps.3.qualification_type"] == [
        "Only a qualification has a qualification type."
    ]
    assert errors["steps.3.end_year"] == ["A step ends in or after the year it starts."]
