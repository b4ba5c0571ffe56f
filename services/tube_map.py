"""The Careers Tube Map as data, and the questions people ask of shared journeys.

Only shared journeys count. Counts never name anyone; a volunteer who chose to be named
(and whose account is active) appears by name only, never with their employer or contact
details: on the lines their journey follows and among an answer's named journeys.

- A **station** is a role (SOC 2020 minor group) or a qualification (its type) at an RQF
  level. A station fewer than `min_count` journeys pass through folds into its group at
  the same level (roles into their SOC sub-major group, qualifications into "other
  qualifications"), so rare steps still count without standing out.
- A journey's **path** is its stations in order (a repeat of the same station collapses).
  A **line** is a path at least `min_count` journeys share, so no line is one person's
  journey; the most common `max_lines` are drawn. A line's colour comes from its id (a
  digest of its stations), so the same route keeps its colour from map to map.
- An **interchange** is a station on two or more lines.
"""

import hashlib
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from models.journeys import ENTRY, Journey, QualificationType, Route
from models.users import User
from models.volunteers import Volunteer
from services.journeys import QUALIFICATION_LABELS, level_name, station_key
from services.reference_data import (
    sic_section_titles,
    soc_minor_groups,
    soc_short_titles,
    soc_sub_major_groups,
)
from services.volunteers import any_of

DEFAULT_MIN_COUNT = 5
MAX_LINES = 10
MAX_ROUTES = 10
# Tube-map colours that stay apart from one another and from white.
PALETTE = (
    "#DC241F",  # red
    "#0019A8",  # dark blue
    "#00782A",  # green
    "#FFA300",  # orange
    "#9B0056",  # magenta
    "#0098D4",  # light blue
    "#6950A1",  # purple
    "#A0A5A9",  # grey
    "#B36305",  # brown
    "#00A4A7",  # teal
    "#E86A10",  # dark orange
    "#C4A000",  # mustard
    "#84B817",  # lime
    "#F3A9BB",  # pink
    "#000000",  # black
    "#95CDBA",  # pale green
)
ROUTE_LABELS = {
    Route.SCHOOL: "School",
    Route.SIXTH_FORM: "Sixth form",
    Route.FE_COLLEGE: "College",
    Route.APPRENTICESHIP: "Apprenticeship",
    Route.T_LEVEL: "T Level",
    Route.HIGHER_TECHNICAL: "Higher technical",
    Route.UNIVERSITY: "University",
    Route.WORK: "Work",
    Route.SELF_EMPLOYED: "Self-employed",
    Route.CAREER_CHANGE: "Career change",
}


@dataclass(frozen=True)
class Filters:
    """Which shared journeys to count. Levels are 0 (Entry) to 8."""

    sector: str | None = None  # a step in this SIC section
    start_level: int | None = None  # the first step's level
    reached_level: int | None = None  # some step at this level or above
    route: Route | None = None  # a step on this route
    region: str | None = None

    def describe(self) -> list[str]:
        parts = []
        if self.sector:
            parts.append(sic_section_titles().get(self.sector, self.sector))
        if self.start_level is not None:
            parts.append(f"started at {_level_label(self.start_level)}")
        if self.reached_level is not None:
            parts.append(f"reached {_level_label(self.reached_level)}+")
        if self.route:
            parts.append(f"via {ROUTE_LABELS[Route(self.route)].lower()}")
        if self.region:
            parts.append(self.region)
        return parts


@dataclass(frozen=True)
class SharedJourney:
    steps: list[dict]
    first_route: str | None
    name: str | None = None  # only when the volunteer chose to be named


@dataclass(frozen=True)
class Walk:
    """Journeys that share a path (their stations before grouping) and first route, and
    the names of those of them who chose to be named."""

    path: str
    first_route: str | None
    journeys: int
    names: tuple[str, ...] = ()


def walks(journeys: Iterable[SharedJourney]) -> list[Walk]:
    """Journeys as walks (tests build maps from hand-made steps this way)."""
    counted: Counter[tuple[str, str | None]] = Counter()
    names: dict[tuple[str, str | None], list[str]] = defaultdict(list)
    for journey in journeys:
        key = ("|".join(map(station_key, journey.steps)), journey.first_route)
        counted[key] += 1
        if journey.name:
            names[key].append(journey.name)
    return [Walk(*key, n, tuple(sorted(names[key]))) for key, n in counted.items()]


@dataclass
class Station:
    id: str
    kind: str  # role, role_group, qualification, qualification_group
    label: str  # at most 44 characters, for the map
    title: str  # in full
    level: int
    code: str  # SOC code or qualification type (or `other`)
    count: int = 0
    lines: list[str] = field(default_factory=list)

    @property
    def level_name(self) -> str:
        return level_name(self.level)

    @property
    def interchange(self) -> bool:
        return len(self.lines) > 1


@dataclass
class Line:
    id: str
    name: str
    colour: str
    count: int
    stations: list[str]
    first_route: str | None
    named: list[str] = field(default_factory=list)  # who on it chose to be named


@dataclass
class TubeMap:
    filters: Filters
    journeys: int
    min_count: int
    stations: list[Station]
    lines: list[Line]

    @property
    def interchanges(self) -> list[Station]:
        return [station for station in self.stations if station.interchange]

    @property
    def title(self) -> str:
        described = self.filters.describe()
        return "Careers Tube Map" + (f": {', '.join(described)}" if described else "")


def build(session: Session, *, filters: Filters, min_count: int = DEFAULT_MIN_COUNT) -> TubeMap:
    """The map of the shared journeys matching `filters` (one row read per distinct path,
    and one per named journey)."""
    query = (
        select(Journey.path, Journey.first_route, func.count())
        .where(*_conditions(filters))
        .group_by(Journey.path, Journey.first_route)
    )
    named = (
        select(Journey.path, Journey.first_route, User.name)
        .join(Volunteer, Volunteer.id == Journey.volunteer_id)
        .join(User, User.id == Volunteer.user_id)
        .where(*_conditions(filters), Journey.named.is_(True), User.is_active.is_(True))
    )
    names: dict[tuple, list[str]] = defaultdict(list)
    for path, first, name in session.execute(named):
        names[path, first].append(name)
    found = [
        Walk(path, first, n, tuple(sorted(names[path, first])))
        for path, first, n in session.execute(query)
        if path
    ]
    return graph(found, filters=filters, min_count=min_count)


def shared_journeys(session: Session, filters: Filters) -> list[SharedJourney]:
    """The shared journeys matching `filters`, with a name only where one was chosen."""
    name = case((Journey.named.is_(True) & User.is_active.is_(True), User.name), else_=None)
    query = (
        select(Journey.steps, Journey.first_route, name)
        .join(Volunteer, Volunteer.id == Journey.volunteer_id)
        .join(User, User.id == Volunteer.user_id)
        .where(*_conditions(filters))
    )
    rows = session.execute(query.order_by(Journey.id))
    return [SharedJourney(steps, first_route, name) for steps, first_route, name in rows]


def _conditions(filters: Filters) -> list:
    conditions = [Journey.shared.is_(True)]
    if filters.sector:
        conditions.append(any_of(Journey.sectors, [filters.sector]))
    if filters.route:
        conditions.append(any_of(Journey.routes, [Route(filters.route)]))
    if filters.start_level is not None:
        conditions.append(Journey.start_level == filters.start_level)
    if filters.reached_level is not None:
        conditions.append(Journey.reached_level >= filters.reached_level)
    if filters.region:
        conditions.append(Journey.region == filters.region)
    return conditions


def graph(
    found: Sequence[Walk],
    *,
    filters: Filters = Filters(),
    min_count: int = DEFAULT_MIN_COUNT,
    max_lines: int = MAX_LINES,
) -> TubeMap:
    """Stations, lines and interchanges of these walks (pure: tests give it walks)."""
    keyed = [[_parse(key) for key in walk.path.split("|")] for walk in found]
    fine_counts: Counter[tuple] = Counter()
    for keys, walk in zip(keyed, found, strict=True):
        for key in set(keys):
            fine_counts[key] += walk.journeys
    stations: dict[tuple, Station] = {}  # by key; a station's id names its key
    paths: Counter[tuple[str, ...]] = Counter()
    routes_of: dict[tuple[str, ...], Counter] = defaultdict(Counter)
    names_of: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for keys, walk in zip(keyed, found, strict=True):
        path: list[str] = []
        visited = set()
        for key in keys:
            key = key if fine_counts[key] >= min_count else _group(key)
            station = _station(stations, key)
            visited.add(key)
            if not path or path[-1] != station.id:
                path.append(station.id)
        for key in visited:
            stations[key].count += walk.journeys
        paths[tuple(path)] += walk.journeys
        routes_of[tuple(path)][walk.first_route] += walk.journeys
        names_of[tuple(path)].extend(walk.names)
    common = sorted(
        (item for item in paths.items() if item[1] >= min_count), key=lambda i: (-i[1], i[0])
    )[:max_lines]
    by_id = {station.id: station for station in stations.values()}
    lines = _lines(common, routes_of, by_id)
    for line in lines:
        line.named = sorted(names_of[tuple(line.stations)])
    kept = list(stations.values())
    kept.sort(key=lambda s: (s.level, -s.count, s.id))
    journeys = sum(walk.journeys for walk in found)
    return TubeMap(filters, journeys, min_count, kept, lines)


def _parse(key: str) -> tuple:
    kind, code, level = key.split(":")
    return (kind, int(code) if kind == "role" else code, int(level))


def _group(key: tuple) -> tuple:
    kind, code, level = key
    if kind == "role":
        return ("role_group", code // 10, level)
    return ("qualification_group", "other", level)


def _station(stations: dict[tuple, Station], key: tuple) -> Station:
    station = stations.get(key)
    if station is None:
        kind, code, level = key
        station_id = f"{kind}-{code}-{level_name(level)}".replace("_", "-")
        label, title = _names(kind, code)
        station = stations[key] = Station(station_id, kind, label, title, level, str(code))
    return station


def _names(kind: str, code) -> tuple[str, str]:
    """A station's short label and its full title."""
    if kind == "role":
        return soc_short_titles()[code], soc_minor_groups()[code]
    if kind == "role_group":
        title = soc_sub_major_groups().get(code, "Other roles")
        return title, f"{title} (SOC 2020 group {code})"
    if kind == "qualification":
        name = QUALIFICATION_LABELS[QualificationType(code)]
        return name, name
    return "Other qualifications", "Other qualifications"


def _lines(common, routes_of, by_id: dict[str, Station]) -> list[Line]:
    lines: list[Line] = []
    names: dict[str, Line] = {}
    used: set[str] = set()
    for path, count in common:
        line_id = "line-" + hashlib.sha1("|".join(path).encode()).hexdigest()[:10]
        first_route = routes_of[path].most_common(1)[0][0]
        start, end = by_id[path[0]], by_id[path[-1]]
        route = ROUTE_LABELS[Route(first_route)] if first_route else "School"
        base = f"{route}: {_short_level(start.level)} to {end.label} ({_short_level(end.level)})"
        name = base
        if base in names:  # another line of the same name: say where this one differs
            other = names[base]
            via = next((by_id[i] for i in path if i not in other.stations), end)
            name = f"{name} via {via.label}"
        colour = _colour(line_id, used)
        line = Line(line_id, name, colour, count, list(path), first_route)
        names.setdefault(base, line)
        lines.append(line)
        for station_id in dict.fromkeys(path):
            by_id[station_id].lines.append(line_id)
    return lines


def _colour(line_id: str, used: set[str]) -> str:
    """The line's own colour, or the next free one when another line on this map has it."""
    start = int(line_id.removeprefix("line-"), 16) % len(PALETTE)
    for offset in range(len(PALETTE)):
        colour = PALETTE[(start + offset) % len(PALETTE)]
        if colour not in used:
            used.add(colour)
            return colour
    return PALETTE[start]


def _short_level(level: int) -> str:
    return "Entry" if level == ENTRY else f"L{level}"


def _level_label(level: int) -> str:
    return "Entry level" if level == ENTRY else f"Level {level}"


@dataclass(frozen=True)
class RouteCount:
    routes: list[str]  # routes in order, repeats collapsed
    journeys: int
    median_years: float | None


@dataclass(frozen=True)
class Answer:
    filters: Filters
    min_count: int
    journeys: int
    median_years: float | None  # from the first step to reaching the level asked about
    began_with_apprenticeship: int  # first route after school was an apprenticeship
    first_routes: dict[str, int]  # first route after school → journeys (rare ones omitted)
    routes: list[RouteCount]  # the most common routes to the level asked about


def answer(session: Session, *, filters: Filters, min_count: int = DEFAULT_MIN_COUNT) -> Answer:
    """How many shared journeys match, how long they took and by which routes: counts,
    never names (the map's lines name those who chose it)."""
    return summarise(shared_journeys(session, filters), filters=filters, min_count=min_count)


def summarise(
    journeys: Iterable[SharedJourney], *, filters: Filters, min_count: int = DEFAULT_MIN_COUNT
) -> Answer:
    """Counts, median years and common routes (pure: tests give it journeys).

    A journey's years and route run from its first step to its first step at
    `filters.reached_level` or above (or at its highest level when none is asked). Medians
    and routes shared by fewer than `min_count` journeys are withheld.
    """
    journeys = list(journeys)
    years_by_route: dict[tuple[str, ...], list[int]] = defaultdict(list)
    all_years = []
    for journey in journeys:
        target = filters.reached_level
        if target is None:
            target = max(step["level"] for step in journey.steps)
        reached = next((i for i, s in enumerate(journey.steps) if s["level"] >= target), None)
        if reached is None:  # counted, but it never reached the level asked about
            continue
        years = journey.steps[reached]["start_year"] - journey.steps[0]["start_year"]
        route = [step["route"] for step in journey.steps[: reached + 1]]
        collapsed = tuple(r for i, r in enumerate(route) if i == 0 or route[i - 1] != r)
        years_by_route[collapsed].append(years)
        all_years.append(years)
    firsts = Counter(j.first_route for j in journeys if j.first_route)
    routes = sorted(
        (
            RouteCount(list(route), len(years), _median(years))
            for route, years in years_by_route.items()
            if len(years) >= min_count
        ),
        key=lambda r: (-r.journeys, r.routes),
    )[:MAX_ROUTES]
    return Answer(
        filters=filters,
        min_count=min_count,
        journeys=len(journeys),
        median_years=_median(all_years) if len(all_years) >= min_count else None,
        began_with_apprenticeship=firsts[Route.APPRENTICESHIP],
        first_routes={r: n for r, n in sorted(firsts.items()) if n >= min_count},
        routes=routes,
    )


def _median(values: list[int]) -> float | None:
    return float(statistics.median(values)) if values else None
