"""The demo's encounter offers, requests in every state, provider access and the market."""

from collections import Counter

from sqlalchemy import select

from models.encounters import Encounter, EncounterSource
from models.matches import Match, MatchStatus
from models.needs import Need
from models.offer_requests import OfferRequest, RequestKind, RequestStatus
from models.offers import ENCOUNTER_KINDS, Offer
from models.provider_access import ProviderAccessPolicy
from tests.services.demo.conftest import snapshots


def test_the_demo_seeds_offers_requests_policies_and_the_market_idempotently(seeded):
    session, summary = seeded.session, seeded
    assert snapshots(session)["requests"] == seeded.first["requests"]
    requests = session.scalars(select(OfferRequest)).all()
    kinds = {o.kind for o in session.scalars(select(Offer))}
    assert set(ENCOUNTER_KINDS) <= kinds
    assert any(o.provider_id for o in session.scalars(select(Offer)))
    for kind in RequestKind:
        assert {r.status for r in requests if r.kind is kind} == set(RequestStatus), kind
    assert all(r.encounter_id for r in requests if r.status is RequestStatus.SCHEDULED)
    compliant = summary.schools[0]
    held = Counter(
        tuple(e.year_groups)
        for e in session.scalars(
            select(Encounter).where(
                Encounter.school_id == compliant.id,
                Encounter.provider_access.is_(True),
                Encounter.source == EncounterSource.REQUEST,
            )
        )
    )
    assert held == {(8, 9): 2, (10, 11): 2, (12, 13): 2}
    assert session.scalar(
        select(ProviderAccessPolicy).where(ProviderAccessPolicy.school_id == compliant.id)
    )
    assert any(n.shared_with_employers for n in session.scalars(select(Need)))
    put_forward = session.scalars(select(Match).where(Match.status == MatchStatus.PUT_FORWARD))
    assert len(put_forward.all()) == 1
