"""The Careers Tube Map as a picture: the graph of `services.tube_map`, drawn with drawsvg.

RQF levels are the rows, Entry at the bottom and Level 8 at the top. Each line is drawn
in its colour through its stations with straight runs and 45° bends only; lines sharing
a station run side by side in lanes, and an interchange is a white pill across them.
Stations in a row are placed near the stations they connect to (a barycentre pass, as a
layered graph layout does) but never closer than their labels need, so no two labels
overlap. A line between stations rows apart passes each row between through a via (the
layered layout's dummy node) placed and spread like a station, so it crosses that row
where room was kept for it, never through a label; runs between rows keep to the band
between the rows' labels. `layout` is the plain geometry the drawing is made from
(tests check it).
"""

import textwrap
from dataclasses import dataclass

import drawsvg as dw

from models.journeys import ENTRY
from services.journeys import level_name
from services.tube_map import Line, Station, TubeMap

LEVELS = range(ENTRY, 9)
LEVEL_EXAMPLES = {
    0: "Entry level certificates",
    1: "GCSE grades 3-1",
    2: "GCSE grades 9-4, intermediate apprenticeship",
    3: "A levels, T Levels, advanced apprenticeship",
    4: "HNC, higher apprenticeship",
    5: "HND, foundation degree",
    6: "Bachelor's degree, degree apprenticeship",
    7: "Master's degree",
    8: "Doctorate",
}
FONT = "'Helvetica Neue', Helvetica, Arial, sans-serif"
ROW_HEIGHT = 120
TITLE_HEIGHT = 96
LEVEL_COLUMN = 200
MARGIN = 32
LANE = 8  # distance between lines running side by side
LINE_WIDTH = 6
LABEL_FONT = 12
LABEL_CHARS = 26  # wrap station names at about this many characters
CHAR_WIDTH = 0.6  # of the font size: a generous average for a sans-serif
STATION_GAP = 28
SWEEPS = 3
LEAVE = 28  # a line runs vertically this far from a station, past its label
MAX_LABEL_LINES = 2
LEGEND_WIDTH = 420
LEGEND_ROW = 26
LEGEND_CHARS = 52
LEGEND_TEXT_ROW = 14  # a wrapped legend entry's further rows
NAMED_IN_LEGEND = 3  # names beside a line in the legend (the data has them all)


@dataclass
class Point:
    """Where lines pass: through a station, or through a row between two stations of
    theirs further apart (a layered layout's dummy node), in lanes side by side."""

    x: float
    y: float
    lanes: list[str]  # line ids through it, left to right

    def lane_x(self, line_id: str) -> float:
        index = self.lanes.index(line_id)
        return self.x + (index - (len(self.lanes) - 1) / 2) * LANE

    @property
    def half_width(self) -> float:
        return (len(self.lanes) - 1) * LANE / 2 + 7


@dataclass
class Placed(Point):
    station: Station
    label: list[str]  # wrapped lines of the label
    label_box: tuple[float, float, float, float]  # x0, y0, x1, y1


@dataclass
class Layout:
    width: float
    height: float
    placed: dict[str, Placed]  # the stations
    vias: dict[str, Point]  # where lines cross the rows between their stations
    routes: dict[str, list[str]]  # each line's stations and vias in order

    def row_y(self, level: int) -> float:
        return TITLE_HEIGHT + (LEVELS[-1] - level) * ROW_HEIGHT + ROW_HEIGHT / 2

    def line_points(self, line_id: str) -> list[tuple[float, float]]:
        """The line's polyline: octilinear runs between consecutive points of its route,
        runs across the map offset by the line's place so parallel lines keep apart."""
        bias = (list(self.routes).index(line_id) - (len(self.routes) - 1) / 2) * LANE
        passes = [self.placed.get(i) or self.vias[i] for i in self.routes[line_id]]
        if len(passes) == 1:  # a line of one station: a stub through it
            x, y = passes[0].lane_x(line_id), passes[0].y
            return [(x, y - LEAVE / 2), (x, y + LEAVE / 2)]
        points: list[tuple[float, float]] = []
        for start, end in zip(passes, passes[1:], strict=False):
            a, b = (start.lane_x(line_id), start.y), (end.lane_x(line_id), end.y)
            segment = octilinear(a, b, bias)
            points.extend(segment if not points else segment[1:])
        return points


@dataclass(frozen=True)
class _Node:
    """A station or a via, as the rows are ordered and spread."""

    id: str
    level: int
    lines: tuple[str, ...]
    station: Station | None = None


def layout(tube_map: TubeMap) -> Layout:
    """Where each drawn station (one on a line), its label and each via go."""
    order = {line.id: index for index, line in enumerate(tube_map.lines)}
    routes, nodes = _routes(tube_map)
    neighbours: dict[str, set[str]] = {node_id: set() for node_id in nodes}
    for route in routes.values():
        for a, b in zip(route, route[1:], strict=False):
            neighbours[a].add(b)
            neighbours[b].add(a)
    rows: dict[int, list[_Node]] = {level: [] for level in LEVELS}
    for node in nodes.values():
        rows[node.level].append(node)
    # A first guess from the lines' order, then barycentre sweeps (up, then down).
    x = {n.id: sum(order[i] for i in n.lines) / len(n.lines) * 100 for n in nodes.values()}
    for sweep in [list(LEVELS), list(reversed(LEVELS))] * SWEEPS:
        for level in sweep:
            wanted = {
                n.id: sum(x[m] for m in neighbours[n.id]) / len(neighbours[n.id])
                if neighbours[n.id]
                else x[n.id]
                for n in rows[level]
            }
            x.update(_spread(sorted(rows[level], key=lambda n: (wanted[n.id], n.id)), wanted))
    shift = LEVEL_COLUMN + MARGIN - min((x[n.id] + _slot(n)[0] for n in nodes.values()), default=0)
    placed, vias = {}, {}
    for node in nodes.values():
        lanes = sorted(node.lines, key=order.__getitem__)
        cx = x[node.id] + shift
        cy = TITLE_HEIGHT + (LEVELS[-1] - node.level) * ROW_HEIGHT + ROW_HEIGHT / 2
        if node.station is None:
            vias[node.id] = Point(cx, cy, lanes)
            continue
        label = _label_lines(node.station)
        left = cx + _marker_half(node.station) + 6
        top = cy - len(label) * (LABEL_FONT + 2) / 2
        box = (left, top, left + _label_width(label), top + len(label) * (LABEL_FONT + 2))
        placed[node.id] = Placed(cx, cy, lanes, node.station, label, box)
    right = max((x[n.id] + shift + _slot(n)[1] for n in nodes.values()), default=0)
    width = max(right, LEVEL_COLUMN + 480) + MARGIN + LEGEND_WIDTH + MARGIN
    entries = sum(
        LEGEND_ROW + (len(_legend_text(line)) - 1) * LEGEND_TEXT_ROW for line in tube_map.lines
    )
    legend_height = TITLE_HEIGHT + MARGIN + entries + 3 * LEGEND_ROW
    height = max(TITLE_HEIGHT + len(LEVELS) * ROW_HEIGHT + MARGIN, legend_height)
    return Layout(width, height, placed, vias, routes)


def _routes(tube_map: TubeMap) -> tuple[dict[str, list[str]], dict[str, _Node]]:
    """Each line's route: its stations, and between two stations rows apart a via in each
    row between (shared by the lines making the same hop), so a line crosses a row where
    the layout kept room for it rather than through a label."""
    stations = {s.id: s for s in tube_map.stations if s.lines}
    through: dict[str, list[str]] = {station_id: [] for station_id in stations}
    levels = {station_id: s.level for station_id, s in stations.items()}
    routes = {}
    for line in tube_map.lines:
        route = [line.stations[0]]
        for a, b in zip(line.stations, line.stations[1:], strict=False):
            step = 1 if levels[b] > levels[a] else -1
            for level in range(levels[a] + step, levels[b], step):
                via = f"via-{a}-{b}-{level_name(level)}"
                levels[via] = level
                through.setdefault(via, []).append(line.id)
                route.append(via)
            route.append(b)
        routes[line.id] = route
    for station_id, station in stations.items():
        through[station_id] = list(station.lines)
    nodes = {
        node_id: _Node(node_id, levels[node_id], tuple(dict.fromkeys(lines)), stations.get(node_id))
        for node_id, lines in through.items()
    }
    return routes, nodes


def _marker_half(station: Station) -> float:
    return (len(station.lines) - 1) * LANE / 2 + 7


def _label_lines(station: Station) -> list[str]:
    lines = textwrap.wrap(
        station.label, LABEL_CHARS, max_lines=MAX_LABEL_LINES, placeholder="…"
    ) or [station.label]
    return [*lines, f"{station.count:,} journeys"]


def _label_width(lines: list[str]) -> float:
    return max(len(line) for line in lines) * LABEL_FONT * CHAR_WIDTH


def _slot(node: _Node) -> tuple[float, float]:
    """The node's extent left and right of its centre: a station's label included, a via's
    lanes with room for a line's width."""
    if node.station is None:
        half = (len(node.lines) - 1) * LANE / 2 + LINE_WIDTH
        return -half, half
    half = _marker_half(node.station)
    return -half, half + 6 + _label_width(_label_lines(node.station))


def _spread(ordered: list[_Node], wanted: dict[str, float]) -> dict[str, float]:
    """Each node as near its wanted x as the nodes left of it allow."""
    placed: dict[str, float] = {}
    end = float("-inf")
    for station in ordered:
        left, right = _slot(station)
        centre = max(wanted[station.id], end - left + STATION_GAP)
        placed[station.id] = centre
        end = centre + right
    if placed:  # pushed right as a whole: move back so the row sits where it is wanted
        drift = sum(placed[s.id] - wanted[s.id] for s in ordered) / len(ordered)
        placed = {station_id: x - drift for station_id, x in placed.items()}
    return placed


def octilinear(
    a: tuple[float, float], b: tuple[float, float], bias: float = 0
) -> list[tuple[float, float]]:
    """Points from station a to station b with straight runs and 45° bends only.

    A line leaves and enters a station vertically (clear of the labels beside it); a run
    across the map goes between the rows, `bias` above or below the middle, so parallel
    lines keep apart. Between two stations of one row the line goes over the labels.
    """
    (x1, y1), (x2, y2) = a, b
    if y1 == y2:
        top = y1 - LEAVE - abs(bias)
        bend = min(abs(x2 - x1) / 2, 8)
        sx = 1 if x2 > x1 else -1
        return [
            a,
            (x1, top + bend),
            (x1 + sx * bend, top),
            (x2 - sx * bend, top),
            (x2, top + bend),
            b,
        ]
    sy = 1 if y2 > y1 else -1
    p1, p2 = (x1, y1 + sy * LEAVE), (x2, y2 - sy * LEAVE)
    dx, dy = x2 - x1, abs(p2[1] - p1[1])
    if dx == 0:
        return [a, b]
    sx = 1 if dx > 0 else -1
    if abs(dx) <= dy:  # vertical, a diagonal, vertical again
        run = (dy - abs(dx)) / 2
        return [a, (x1, p1[1] + sy * run), (x2, p2[1] - sy * run), b]
    first = min(max(dy / 2 + bias * sy, 0), dy)  # diagonal, across, diagonal
    return [
        a,
        p1,
        (x1 + sx * first, p1[1] + sy * first),
        (x2 - sx * (dy - first), p2[1] - sy * (dy - first)),
        p2,
        b,
    ]


def render(tube_map: TubeMap) -> str:
    """The map as an SVG document."""
    geometry = layout(tube_map)
    drawing = dw.Drawing(
        geometry.width, geometry.height, font_family=FONT, id="tube-map", class_="tube-map"
    )
    drawing.append(dw.Title(tube_map.title))
    drawing.append(dw.Rectangle(0, 0, geometry.width, geometry.height, fill="#FFFFFF"))
    _draw_rows(drawing, geometry)
    _draw_title(drawing, tube_map)
    for line in tube_map.lines:
        _draw_line(drawing, geometry, line)
    for placed in geometry.placed.values():
        _draw_station(drawing, tube_map, placed)
    _draw_legend(drawing, geometry, tube_map)
    return drawing.as_svg()


def _draw_rows(drawing: dw.Drawing, geometry: Layout) -> None:
    for level in LEVELS:
        top = TITLE_HEIGHT + (LEVELS[-1] - level) * ROW_HEIGHT
        fill = "#F4F6F8" if level % 2 == 0 else "#FFFFFF"
        drawing.append(
            dw.Rectangle(0, top, geometry.width - LEGEND_WIDTH - MARGIN, ROW_HEIGHT, fill=fill)
        )
        name = "Entry level" if level == ENTRY else f"Level {level}"
        drawing.append(
            dw.Text(
                name,
                15,
                MARGIN,
                top + ROW_HEIGHT / 2 - 4,
                font_weight="bold",
                fill="#1C3F94",
                class_="level",
                data_level=str(level),
            )
        )
        drawing.append(
            dw.Text(
                textwrap.wrap(LEVEL_EXAMPLES[level], 28),
                10,
                MARGIN,
                top + ROW_HEIGHT / 2 + 12,
                fill="#555555",
                line_height=1.2,
            )
        )


def _draw_title(drawing: dw.Drawing, tube_map: TubeMap) -> None:
    drawing.append(dw.Rectangle(0, 0, drawing.width, TITLE_HEIGHT - 12, fill="#1C3F94"))
    drawing.append(
        dw.Text(tube_map.title, 26, MARGIN, 42, fill="#FFFFFF", font_weight="bold", class_="title")
    )
    subtitle = (
        f"{tube_map.journeys:,} shared career journeys. Each line is a route at least "
        f"{tube_map.min_count} people took; only those who chose it are named."
    )
    drawing.append(dw.Text(subtitle, 14, MARGIN, 68, fill="#FFFFFF"))


def _draw_line(drawing: dw.Drawing, geometry: Layout, line: Line) -> None:
    points = geometry.line_points(line.id)
    path = dw.Path(
        stroke=line.colour,
        stroke_width=LINE_WIDTH,
        fill="none",
        stroke_linejoin="round",
        stroke_linecap="round",
        id=line.id,
        class_="line",
        data_count=str(line.count),
    )
    path.M(*points[0])
    for point in points[1:]:
        path.L(*point)
    path.append_title(f"{line.name}: {line.count:,} journeys")
    drawing.append(path)


def _draw_station(drawing: dw.Drawing, tube_map: TubeMap, placed: Placed) -> None:
    station = placed.station
    group = dw.Group(
        id=f"station-{station.id}",
        class_="station",
        data_count=str(station.count),
        data_level=station.level_name,
    )
    if station.interchange:
        half = placed.half_width
        group.append(
            dw.Rectangle(
                placed.x - half,
                placed.y - 7,
                2 * half,
                14,
                rx=7,
                ry=7,
                fill="#FFFFFF",
                stroke="#000000",
                stroke_width=3,
            )
        )
    else:
        colour = next(line.colour for line in tube_map.lines if line.id == station.lines[0])
        group.append(
            dw.Circle(placed.x, placed.y, 6, fill="#FFFFFF", stroke=colour, stroke_width=3)
        )
    x0, y0, _, _ = placed.label_box
    group.append(
        dw.Text(
            placed.label,
            LABEL_FONT,
            x0,
            y0 + LABEL_FONT,
            fill="#111111",
            stroke="#FFFFFF",
            stroke_width=3,
            paint_order="stroke",
            line_height=(LABEL_FONT + 2) / LABEL_FONT,
        )
    )
    group.append_title(f"{station.label} ({station.level_name}): {station.count:,} journeys")
    drawing.append(group)


def _legend_text(line: Line) -> list[str]:
    """A line's legend entry, wrapped: its name, count and the first people named on it."""
    text = f"{line.name}: {line.count:,} journeys"
    if line.named:
        more = len(line.named) - NAMED_IN_LEGEND
        text += ", with " + ", ".join(line.named[:NAMED_IN_LEGEND])
        text += f" and {more} more" if more > 0 else ""
    return textwrap.wrap(text, LEGEND_CHARS)


def _draw_legend(drawing: dw.Drawing, geometry: Layout, tube_map: TubeMap) -> None:
    x = geometry.width - LEGEND_WIDTH - MARGIN / 2
    y = TITLE_HEIGHT + MARGIN / 2
    legend = dw.Group(id="legend", class_="legend")
    legend.append(dw.Text("Lines", 16, x, y, font_weight="bold", fill="#1C3F94"))
    if not tube_map.lines:
        legend.append(
            dw.Text(
                textwrap.wrap(
                    f"No route is shared by {tube_map.min_count} or more journeys yet.", 40
                ),
                12,
                x,
                y + LEGEND_ROW,
                fill="#333333",
            )
        )
    row = y + LEGEND_ROW
    for line in tube_map.lines:
        text = _legend_text(line)
        legend.append(
            dw.Line(
                x,
                row - 4,
                x + 36,
                row - 4,
                stroke=line.colour,
                stroke_width=LINE_WIDTH,
                stroke_linecap="round",
            )
        )
        legend.append(
            dw.Text(
                text,
                12,
                x + 46,
                row,
                fill="#111111",
                class_="legend-line",
                data_line=line.id,
                line_height=1.2,
            )
        )
        row += LEGEND_ROW + (len(text) - 1) * LEGEND_TEXT_ROW
    row += LEGEND_ROW / 2
    legend.append(
        dw.Rectangle(
            x + 10, row - 11, 22, 14, rx=7, ry=7, fill="#FFFFFF", stroke="#000000", stroke_width=3
        )
    )
    legend.append(dw.Text("Interchange: lines meet", 12, x + 46, row, fill="#111111"))
    drawing.append(legend)
