"""Demo career journeys: plausible routes across sectors, construction richest of all.

Each template is a common route written as steps `kind:code:level:route[:sector]`
(`q` a qualification by type, `r` a role by SOC 2020 minor group) with its usual years;
each journey varies its template a little (start year, years per step, a skipped
optional step, now and then a less common occupation) so rare steps fold into their
groups on the map. `sample` serves the demo seed, the benchmark and visual checks alike.
"""

import random
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.base import london_today, utcnow
from models.journeys import REGIONS, Journey
from services.journeys import summary
from services.reference_data import ID_NAMESPACE

# (weight, [(step, years, optional)]) per sector; weights within a sector.
GCSE = ("q:gcse:2:school", 5, False)
TEMPLATES: dict[str, list[tuple[int, list[tuple[str, int, bool]]]]] = {
    "F": [
        (
            6,
            [
                GCSE,
                ("q:apprenticeship:2:apprenticeship:F", 2, False),
                ("r:531:2:work:F", 3, False),
                ("q:apprenticeship:3:apprenticeship:F", 2, False),
                ("r:533:3:work:F", 4, False),
                ("q:hnc:4:higher_technical:F", 2, False),
                ("r:112:5:work:F", 6, True),
            ],
        ),
        (
            5,
            [
                GCSE,
                ("q:vocational_certificate:2:fe_college:F", 1, False),
                ("q:applied_general:3:fe_college:F", 2, False),
                ("q:hnc:4:higher_technical:F", 2, False),
                ("r:245:4:work:F", 3, False),
                ("q:degree_apprenticeship:6:apprenticeship:F", 4, False),
                ("r:245:6:work:F", 5, True),
            ],
        ),
        (
            4,
            [
                GCSE,
                ("q:t_level:3:t_level:F", 2, False),
                ("r:312:3:work:F", 3, False),
                ("q:hnd:5:higher_technical:F", 2, False),
                ("r:245:5:work:F", 5, True),
            ],
        ),
        (
            4,
            [
                GCSE,
                ("q:apprenticeship:3:apprenticeship:F", 4, False),
                ("r:524:3:work:F", 5, False),
                ("q:hnc:4:higher_technical:F", 2, False),
                ("r:311:4:work:F", 6, True),
            ],
        ),
        (
            3,
            [
                ("q:gcse:1:school", 5, False),
                ("r:912:1:work:F", 2, False),
                ("q:nvq:2:work:F", 1, False),
                ("r:531:2:work:F", 4, False),
                ("q:nvq:3:work:F", 1, False),
                ("r:533:3:work:F", 6, True),
            ],
        ),
        (
            3,
            [
                GCSE,
                ("q:a_level:3:sixth_form", 2, False),
                ("q:bachelors_degree:6:university:F", 3, False),
                ("r:212:6:work:F", 4, False),
                ("q:masters_degree:7:university:F", 1, True),
                ("r:212:7:work:F", 6, True),
            ],
        ),
        (
            2,
            [
                GCSE,
                ("q:apprenticeship:2:apprenticeship:F", 2, False),
                ("r:531:2:work:F", 4, False),
                ("r:531:3:self_employed:F", 8, False),
            ],
        ),
        (
            2,
            [
                GCSE,
                ("q:a_level:3:sixth_form", 2, False),
                ("q:bachelors_degree:6:university:M", 3, False),
                ("r:243:6:work:M", 5, False),
                ("q:nvq:2:career_change:F", 1, False),
                ("r:532:2:career_change:F", 4, False),
            ],
        ),
    ],
    "Q": [
        (
            5,
            [
                GCSE,
                ("q:applied_general:3:fe_college:Q", 2, False),
                ("q:bachelors_degree:6:university:Q", 3, False),
                ("r:223:6:work:Q", 8, False),
            ],
        ),
        (
            3,
            [
                GCSE,
                ("q:apprenticeship:3:apprenticeship:Q", 2, False),
                ("r:613:3:work:Q", 4, False),
                ("q:degree_apprenticeship:6:apprenticeship:Q", 4, False),
                ("r:223:6:work:Q", 5, True),
            ],
        ),
    ],
    "J": [
        (
            4,
            [
                GCSE,
                ("q:a_level:3:sixth_form", 2, False),
                ("q:bachelors_degree:6:university:J", 3, False),
                ("r:213:6:work:J", 8, False),
            ],
        ),
        (
            4,
            [
                GCSE,
                ("q:apprenticeship:3:apprenticeship:J", 2, False),
                ("r:313:3:work:J", 3, False),
                ("q:degree_apprenticeship:6:apprenticeship:J", 4, False),
                ("r:213:6:work:J", 5, True),
            ],
        ),
    ],
    "C": [
        (
            4,
            [
                GCSE,
                ("q:apprenticeship:3:apprenticeship:C", 4, False),
                ("r:522:3:work:C", 4, False),
                ("q:hnc:4:higher_technical:C", 2, False),
                ("r:311:4:work:C", 4, False),
                ("q:degree_apprenticeship:6:apprenticeship:C", 4, True),
                ("r:212:6:work:C", 5, True),
            ],
        ),
    ],
    "I": [
        (
            3,
            [
                ("q:gcse:1:school", 5, False),
                ("q:vocational_certificate:2:fe_college:I", 1, False),
                ("r:543:2:work:I", 4, False),
                ("r:122:4:work:I", 6, True),
            ],
        ),
    ],
}
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
