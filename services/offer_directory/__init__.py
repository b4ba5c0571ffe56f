"""The directory schools search: published encounter offers ranked by fit to one school.

An in-school offer is found only within its travel radius of the school (its volunteers
travel from the offer's base postcode); a virtual one anywhere. Each process holds the
published offers' ranking columns (`pool`): the few that could come to the school (in a
box of each one's radius) are ranked here whole; the rest, reachable only online and so
in every school's directory, are scored, ordered and counted there with NumPy, and only
those on the page are explained.
Each hit carries its score and the factors that make it, as volunteer candidates do.
"""

import uuid
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, selectinload

from models.needs import Need, NeedMode
from models.offers import Offer, OfferKind
from models.organisations import School
from models.volunteers import ActivityType, Mode
from services.access import hub_school_ids
from services.callers import Caller
from services.errors import Forbidden, InvalidInput, NotFound
from services.offer_directory import pool
from services.offer_directory.factors import (
    Factor,
    Filters,
    columns,
    offer_targets,
    rank,
    targeted,
)
from services.offers import WITH_PARTNER
from services.pagination import Page
from services.search import load_by_id

NO_FILTERS = Filters()
# The encounter offers that can meet a need for each activity.
NEED_KINDS: dict[ActivityType, tuple[OfferKind, ...]] = {
    ActivityType.CAREERS_TALK: (
        OfferKind.CAREERS_TALK,
        OfferKind.ASSEMBLY,
        OfferKind.QA_PANEL,
        OfferKind.VIRTUAL_TALK,
    ),
    ActivityType.MOCK_INTERVIEWS: (OfferKind.MOCK_INTERVIEWS,),
    ActivityType.CV_WORKSHOP: (OfferKind.CV_WORKSHOP,),
    ActivityType.CAREERS_FAIR: (OfferKind.CAREERS_FAIR,),
    ActivityType.ENTERPRISE_CHALLENGE: (OfferKind.ENTERPRISE_CHALLENGE,),
    ActivityType.MENTORING: (OfferKind.MENTORING,),
}
__all__ = [
    "Factor",
    "Filters",
    "RankedOffer",
    "directory_school",
    "for_need",
    "offer_targets",
    "search",
    "targeted",
]


@dataclass(frozen=True)
class RankedOffer:
    offer: Offer
    score: float
    distance_km: float | None
    in_school: bool  # its volunteers can come to the school
    factors: list[Factor] = field(default_factory=list)


def directory_school(session: Session, caller: Caller, school_id: uuid.UUID | None) -> School:
    """The school the directory is ranked for: a school's own; a coordinator's or an
    admin's choice among those they oversee."""
    school = session.get(School, school_id or caller.organisation_id)
    if school is None and school_id is None:
        raise Forbidden("Name the school (`school_id`) to rank the directory for.")
    if school is None:
        raise NotFound("No such school.")
    if caller.is_admin or school.id == caller.organisation_id:
        return school
    if school.id in hub_school_ids(session, caller):
        return school
    raise Forbidden("The directory is ranked for your own school (or your hub's schools).")


def search(
    session: Session,
    caller: Caller,
    *,
    page: int,
    page_size: int,
    school_id: uuid.UUID | None = None,
    filters: Filters = NO_FILTERS,
) -> Page:
    school = directory_school(session, caller, school_id)
    if filters.date_from and filters.date_to and filters.date_to < filters.date_from:
        raise InvalidInput("Dates out of order.", errors={"date_to": ["On or after date_from."]})
    if filters.benchmark not in (None, 5, 7):
        raise InvalidInput(
            "Encounter offers serve Benchmarks 5 and 7.", errors={"benchmark": ["5 or 7."]}
        )
    return ranked_for(session, school, filters, page=page, page_size=page_size)


def for_need(session: Session, need: Need, *, limit: int) -> list[RankedOffer]:
    """The best encounter offers that could meet a need (of its kinds, year groups, mode
    and benchmark, available in its window), ranked for its school as the directory is."""
    kinds = NEED_KINDS.get(ActivityType(need.activity_type))
    if not kinds or need.benchmark not in (5, 7):
        return []
    filters = Filters(
        benchmark=need.benchmark,
        kinds=kinds,
        year_groups=tuple(need.year_groups),
        mode={NeedMode.IN_PERSON: Mode.IN_PERSON, NeedMode.VIRTUAL: Mode.VIRTUAL}.get(need.mode),
        date_from=need.starts_on,
        date_to=need.ends_on,
    )
    return ranked_for(session, need.school, filters, page=1, page_size=limit).items


def ranked_for(
    session: Session, school: School, filters: Filters, *, page: int, page_size: int
) -> Page:
    """One page of the directory ranked for the school (no access check)."""
    window = filters.window()
    published = pool.published_offers(session)
    ids, total = pool.ranked(published, school, filters, window, limit=page * page_size)
    shown = ids[(page - 1) * page_size :]
    offers = load_by_id(session, Offer, shown, [selectinload(Offer.volunteers), *WITH_PARTNER])
    items = [
        RankedOffer(offers[offer_id], *hit)
        for offer_id in shown
        # An offer changed since this process read it is left out (its write is read next).
        if offer_id in offers and (hit := rank(columns(offers[offer_id]), school, filters, window))
    ]
    return Page(items, total)
