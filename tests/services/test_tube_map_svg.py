"""The tube map drawn: every station and line in the SVG, labels apart, no line through a
label, and lines that run straight or at 45 degrees."""

import random
from xml.etree import ElementTree

import pytest

from services import demo, tube_map, tube_map_svg
from services.tube_map import Filters
from tests import factories
from tests.geometry import crossings

SVG_NS = "{http://www.w3.org/2000/svg}"


def test_the_picture_holds_every_station_and_line_without_overlapping_labels():
    rng = random.Random(7)
    sample = [
        factories.shared_journey(demo.journeys.sample(rng, this_year=2026, sector="F"))
        for _ in range(400)
    ]
    graph = tube_map.graph(tube_map.walks(sample), filters=Filters(sector="F"), min_count=5)
    assert len(graph.lines) >= 5

    root = ElementTree.fromstring(tube_map_svg.render(graph).encode())

    drawn_lines = {p.get("id") for p in root.iter(f"{SVG_NS}path") if p.get("class") == "line"}
    assert drawn_lines == {line.id for line in graph.lines}
    drawn_stations = {g.get("id") for g in root.iter(f"{SVG_NS}g") if g.get("class") == "station"}
    assert drawn_stations == {f"station-{s.id}" for s in graph.stations if s.lines}
    legend = [t.get("data-line") for t in root.iter(f"{SVG_NS}text") if t.get("data-line")]
    assert legend == [line.id for line in graph.lines]
    assert root.find(f"{SVG_NS}title").text == "Careers Tube Map: Construction"
    boxes = [p.label_box for p in tube_map_svg.layout(graph).placed.values()]
    overlaps = [
        (a, b)
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
    ]
    assert overlaps == []


@pytest.mark.parametrize(("journeys_drawn", "seed"), [(60, 3), (400, 7), (2000, 1)])
def test_no_line_crosses_a_label(journeys_drawn, seed):
    """Lines cross the rows between their stations through room kept for them (vias),
    never through another station's label."""
    rng = random.Random(seed)
    sample = [
        factories.shared_journey(demo.journeys.sample(rng, this_year=2026, sector="F"))
        for _ in range(journeys_drawn)
    ]
    graph = tube_map.graph(tube_map.walks(sample), min_count=5)
    geometry = tube_map_svg.layout(graph)
    paths = {line.id: geometry.line_points(line.id) for line in graph.lines}
    boxes = [placed.label_box for placed in geometry.placed.values()]
    assert crossings(paths, boxes, pad=tube_map_svg.LINE_WIDTH / 2) == []
    assert any(
        len(route) > len(line.stations)
        for line, route in zip(graph.lines, geometry.routes.values(), strict=True)
    ), "the sample should have lines that skip a level"


def test_lines_run_straight_or_at_45_degrees():
    for a, b in [((0, 0), (40, -300)), ((0, 0), (400, -120)), ((10, 5), (300, 5))]:
        for bias in (0, -12, 12):
            points = tube_map_svg.octilinear(a, b, bias)
            assert points[0] == a and points[-1] == b
            for (x1, y1), (x2, y2) in zip(points, points[1:], strict=False):
                dx, dy = abs(x2 - x1), abs(y2 - y1)
                assert dx == 0 or dy == 0 or dx == pytest.approx(dy), (a, b, bias)
