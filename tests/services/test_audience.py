"""Who hears of a change: an event's audience is exactly the organisations whose people may
see its subject by `can_see` (admins see every event), and a published offer goes to all."""

import pytest
from sqlalchemy import select

from models.bookings import Booking
from models.encounters import Encounter
from models.matches import Match
from models.needs import Need
from models.offer_requests import OfferRequest
from models.offers import Offer
from models.pairings import AdviserAssignment, AdviserPairingPlan
from services.access import can_see
from services.audience import audience
from tests import factories

SUBJECTS = [Booking, Need, Match, Encounter, OfferRequest, AdviserAssignment, AdviserPairingPlan]


@pytest.mark.parametrize("model", [*SUBJECTS, Offer], ids=lambda model: model.__name__)
def test_an_events_audience_is_the_organisations_of_those_who_may_see_its_subject(session, model):
    world = factories.rich_world(session)
    people = [caller for _, caller in factories.callers(world) if not caller.is_admin]
    everyone = {caller.organisation_id for caller in people}
    subjects = list(session.scalars(select(model)))
    assert subjects, f"the world has no {model.__name__}"
    for subject in subjects:
        seeing = {c.organisation_id for c in people if can_see(session, c, subject)}
        heard = audience(session, subject)
        assert (everyone if heard is None else heard) == seeing, f"{model.__name__} {subject.id}"
    # The rule bites: some subject of each kind is kept from some organisation.
    if model is not Offer:
        assert any(audience(session, subject) != everyone for subject in subjects)


def test_a_draft_offer_is_heard_of_only_by_its_host_and_a_published_one_by_all(session):
    world = factories.rich_world(session)
    offers = list(session.scalars(select(Offer)))
    assert {audience(session, o) is None for o in offers} == {True, False}
    for offer in offers:
        if audience(session, offer) is not None:
            assert audience(session, offer) == {offer.organisation_id}
            assert offer.organisation_id in {world.a.employer.id, world.b.employer.id}
