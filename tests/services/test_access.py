"""Access rules said once: for every model and caller, a list holds exactly what `can_see` accepts.

`services/access.py` answers "may this caller see this object" (`can_see`) and builds the
WHERE clause of every list (`visible_*`). Two forms of one rule can drift apart; here each
list service is run for every caller of a two-tenant world and compared, row by row, with
`can_see` over every row of its table.
"""

import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import select

from models.bookings import Booking
from models.encounters import Encounter
from models.matches import Match, MatchStatus
from models.needs import Need
from models.offer_requests import OfferRequest
from models.offers import Offer
from models.organisations import Hub
from models.pairings import AdviserAssignment, AdviserPairingPlan
from models.users import Role, User
from models.volunteers import EnterpriseAdviser, Volunteer
from services import (
    adviser_assignments,
    advisers,
    bookings,
    encounters,
    hubs,
    matches,
    needs,
    offer_requests,
    offers,
    pairings,
    users,
    volunteers,
)
from services.access import can_see, private_details_rule
from services.callers import Caller
from services.errors import NotFound
from tests import factories

PAGE = {"page": 1, "page_size": 100}
# model -> the list service whose WHERE clause must agree with `can_see`
LISTS: dict[type, Callable] = {
    User: users.list_,
    Hub: hubs.list_,
    Volunteer: volunteers.list_,
    EnterpriseAdviser: advisers.list_,
    AdviserAssignment: adviser_assignments.list_,
    Offer: offers.list_,
    Booking: bookings.list_,
    Need: needs.list_,
    Match: matches.list_,
    Encounter: encounters.list_,
    OfferRequest: offer_requests.list_,
}


def _listed_ids(session, model: type, caller: Caller) -> set[uuid.UUID]:
    page = LISTS[model](session, caller, **PAGE)
    assert page.total <= PAGE["page_size"], "the world outgrew one page"
    return {(item if isinstance(item, model) else item[0]).id for item in page.items}


@pytest.mark.parametrize("model", list(LISTS), ids=lambda model: model.__name__)
@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.value)
def test_a_list_holds_exactly_what_can_see_accepts(session, model, role):
    world = factories.rich_world(session)
    rows = list(session.scalars(select(model)))
    assert rows, f"the world has no {model.__name__}"
    callers = [(name, caller) for name, caller in factories.callers(world) if caller.role is role]
    assert callers
    for name, caller in callers:
        seen = {row.id for row in rows if can_see(session, caller, row)}
        assert _listed_ids(session, model, caller) == seen, f"{model.__name__} as {name}"


def _serves_hub(session, volunteer: Volunteer, hub_id: uuid.UUID) -> bool:
    """The private-details rule for coordinators, said again row by row: the volunteer
    advises one of the hub's schools now, or agreed a match on one of its needs."""
    advising = any(
        a.adviser.volunteer_id == volunteer.id and a.active and a.school.hub_id == hub_id
        for a in session.scalars(select(AdviserAssignment))
    )
    agreed = any(
        m.volunteer_id == volunteer.id
        and m.need.school.hub_id == hub_id
        and m.status in (MatchStatus.ACCEPTED, MatchStatus.CONFIRMED, MatchStatus.SCHEDULED)
        for m in session.scalars(select(Match))
    )
    return advising or agreed


def test_private_details_go_exactly_to_those_the_rule_names(session):
    world = factories.rich_world(session)
    volunteers_ = list(session.scalars(select(Volunteer)))
    for name, caller in factories.callers(world):
        rule = private_details_rule(session, caller)
        for volunteer in volunteers_:
            if caller.role is Role.COORDINATOR:
                expected = _serves_hub(session, volunteer, caller.organisation_id)
            else:
                expected = (
                    caller.is_admin
                    or volunteer.employer_id == caller.organisation_id
                    and (caller.role is Role.EMPLOYER_STAFF or volunteer.user_id == caller.user_id)
                )
            assert rule(volunteer) == expected, f"{volunteer.job_title} {volunteer.id} as {name}"
    coordinator = factories.caller_of(world.a.users[Role.COORDINATOR])
    shared = [v for v in volunteers_ if private_details_rule(session, coordinator)(v)]
    assert 0 < len(shared) < len(volunteers_), "the rule bites both ways"


def test_a_hubs_plan_list_holds_exactly_what_can_see_accepts(session):
    world = factories.rich_world(session)
    plans = list(session.scalars(select(AdviserPairingPlan)))
    for name, caller in factories.callers(world):
        for hub in (world.a.hub, world.b.hub):
            try:
                page = pairings.list_plans(session, caller, hub.id, **PAGE)
                listed = {plan.id for plan in page.items}
            except NotFound:
                listed = set()
            seen = {p.id for p in plans if p.hub_id == hub.id and can_see(session, caller, p)}
            assert listed == seen, f"{hub.name}'s plans as {name}"
