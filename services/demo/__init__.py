"""A deterministic demo built on the real reference data.

One Careers Hub of the 30 state secondary and special schools nearest to Leeds city
centre, and a login for every role; around it, 40 employers of every size and sector,
1,000 volunteers (invented people at real postcodes) and 60 Enterprise Advisers. Six of
the schools get 210 pupils each and three school years (the current one, as London dates
today, and the two before) of encounters, attendance and checklist answers, covering the
benchmarks unevenly. Ids are derived from names and a seeded random generator picks the
rest, so seeding twice (or on two machines, on one day) gives the same rows; later
capabilities extend `seed`.
"""

from dataclasses import dataclass

from sqlalchemy.orm import Session

from models.organisations import Hub, School
from services.demo import directory, journeys, needs, offers, programme, records, visits
from services.demo.base import (
    DEMO_CENTRE,
    DEMO_CITY,
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_HUB_ID,
    DEMO_HUB_SIZE,
    DEMO_PASSWORD,
    get_or_add,
    nearest_schools,
)
from services.demo.directory import DemoLogin
from services.demo.records import DEMO_PUPIL_SCHOOLS


@dataclass(frozen=True)
class DemoSummary:
    hub: Hub
    schools: list[School]
    logins: list[DemoLogin]
    password: str = DEMO_PASSWORD
    client_id: str = DEMO_CLIENT_ID
    client_secret: str = DEMO_CLIENT_SECRET


def seed(session: Session) -> DemoSummary:
    """Create (or bring up to date) the demo; the caller commits."""
    hub = get_or_add(
        session, Hub, DEMO_HUB_ID, name=f"{DEMO_CITY} Careers Hub (demo)", area=DEMO_CITY
    )
    schools = nearest_schools(session, *DEMO_CENTRE, limit=DEMO_HUB_SIZE)
    for school in schools:
        school.hub = hub
    employers = directory.named_employers(session)
    logins = directory.logins(session, hub, schools, employers)
    session.flush()
    directory.seed(session, hub, employers)
    session.flush()
    visits.seed(session, schools)
    session.flush()
    records.seed(session, schools)
    needs.seed(session, schools)
    journeys.seed(session, directory.volunteer_ids())
    session.flush()
    offers.seed(session, schools, employers, records.providers(session))
    session.flush()
    programme.seed(session, schools[:DEMO_PUPIL_SCHOOLS])
    return DemoSummary(hub=hub, schools=schools, logins=logins)
