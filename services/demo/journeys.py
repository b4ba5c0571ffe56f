"""Demo career journeys: plausible routes across sectors, construction richest of all.

Each template is a common route, a row of journeys.csv, written as steps
`kind:code:level:route[:sector]` (`q` a qualification by type, `r` a role by SOC 2020
minor group) with their usual years; each journey varies its template a little (start
year, years per step, a skipped optional step, now and then a less common occupation) so
rare steps fold into their groups on the map. `sample` serves the demo seed, the benchmark
and visual checks alike.
"""

import csv
import random
import uuid
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.base import london_today, utcnow
from models.journeys import REGIONS, Journey
from services.journeys import summary
from services.reference_data import ID_NAMESPACE

# (weight, [(step, years, optional)]), per sector; weights within a sector.
Template = tuple[int, list[tuple[str, int, bool]]]


def _templates(path: Path) -> dict[str, list[Template]]:
    """The routes of `path`, a row each: its sector, its weight among the sector's routes,
    and its steps separated by `;`, each `kind:code:level:route[:sector] years`, with a `?`
    after the years when the step is optional."""
    templates: dict[str, list[Template]] = {}
    with path.open(newline="") as rows:
        for row in csv.DictReader(rows):
            steps = []
            for written in row["steps"].split(";"):
                step, years = written.split()
                steps.append((step, int(years.rstrip("?")), years.endswith("?")))
            templates.setdefault(row["sector"], []).append((int(row["weight"]), steps))
    return templates


TEMPLATES = _templates(Path(__file__).with_name("journeys.csv"))
SECTOR_WEIGHTS = {"F": 8, "Q": 3, "J": 3, "C": 2, "I": 2}
RARE_ROLES = {  # a less common occupation in the same line of work
    531: (532, 815, 912),
    533: (125, 815),
    245: (312, 243),
    212: (211, 216),
    213: (214, 313),
    223: (222, 225),
    311: (312, 313),
}
DEMO_JOURNEY_SHARE = 0.6  # of the demo volunteers, who have recorded a journey
DEMO_HOME_REGION = "Yorkshire and The Humber"


def sample(rng: random.Random, *, this_year: int, sector: str | None = None) -> list[dict]:
    """One plausible journey's steps (of `sector`, or of a sector drawn by weight)."""
    sector = sector or rng.choices(list(SECTOR_WEIGHTS), list(SECTOR_WEIGHTS.values()))[0]
    weights, templates = zip(*TEMPLATES[sector], strict=True)
    template = rng.choices(templates, weights)[0]
    kept = [
        (step, years) for step, years, optional in template if not optional or rng.random() < 0.6
    ]
    total = sum(years for _, years in kept)
    year = rng.randint(this_year - total - 20, this_year - total + 1)
    steps = []
    for index, (text, years) in enumerate(kept):
        kind, code, level, route, *sector_code = text.split(":")
        start, length = year, max(1, years + rng.randint(-1, 1))
        year = start + length
        last = index == len(kept) - 1
        steps.append(
            {
                "kind": "role" if kind == "r" else "qualification",
                "sector": sector_code[0] if sector_code else None,
                "soc_minor_group": _occupation(rng, int(code)) if kind == "r" else None,
                "qualification_type": code if kind == "q" else None,
                "route": route,
                "level": 0 if level == "entry" else int(level),
                "start_year": min(start, this_year),
                "end_year": None if last else min(year, this_year),
            }
        )
    return steps


def _occupation(rng: random.Random, code: int) -> int:
    if code in RARE_ROLES and rng.random() < 0.08:
        return rng.choice(RARE_ROLES[code])
    return code


def seed(session: Session, volunteer_ids: list[uuid.UUID]) -> int:
    """Journeys for a share of the demo volunteers (idempotent); most shared, a few named."""
    rng = random.Random(18)
    this_year = london_today().year
    existing = {
        j.volunteer_id: j
        for j in session.scalars(select(Journey).where(Journey.volunteer_id.in_(volunteer_ids)))
    }
    count = 0
    for volunteer_id in volunteer_ids:
        if rng.random() >= DEMO_JOURNEY_SHARE:
            continue
        steps = sample(rng, this_year=this_year)
        shared = rng.random() < 0.9
        values = {
            "steps": steps,
            "shared": shared,
            "named": shared and rng.random() < 0.3,
            "region": DEMO_HOME_REGION if rng.random() < 0.7 else rng.choice(REGIONS),
            **summary(steps),
        }
        journey = existing.get(volunteer_id) or Journey(
            id=uuid.uuid5(ID_NAMESPACE, f"demo:journey:{volunteer_id}"), volunteer_id=volunteer_id
        )
        for name, value in values.items():
            setattr(journey, name, value)
        journey.shared_at = (journey.shared_at or utcnow()) if shared else None
        session.add(journey)
        count += 1
    return count
