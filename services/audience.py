"""Who an event is for: the organisations whose members may see its subject, by the
rules of `services.access.can_see` (admins see every event). `services.outbox` writes
an event's audience with it, so the event feed and webhooks read only their own.
"""

import uuid

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from models.bookings import Booking, WaitlistEntry
from models.destinations import Leaver
from models.encounters import Encounter
from models.evaluations import SelfEvaluation
from models.journeys import Journey
from models.matches import Match
from models.needs import Need
from models.offer_requests import OfferRequest
from models.offers import Offer, OfferStatus
from models.organisations import School
from models.pairings import AdviserAssignment, AdviserPairingPlan
from models.programme import ProgrammeActivity, ProgrammePlan
from models.provider_access import ProviderAccessPolicy
from models.volunteers import EnterpriseAdviser, Volunteer


def audience(session: Session, obj: object) -> set[uuid.UUID] | None:
    """The organisations whose members may see `obj` (its events go to them), by the rules
    of `can_see`; None when every organisation may (a published offer). Admins see all."""
    match obj:
        case Offer():
            return None if obj.status is not OfferStatus.DRAFT else {obj.organisation_id}
        case OfferRequest():
            partners = {obj.employer_id, obj.provider_id} - {None}
            return _with_hub(session, obj.school_id, partners)
        case Journey():  # the volunteer's employer keeps it with them
            return {session.get(Volunteer, obj.volunteer_id).employer_id}
        case ProviderAccessPolicy():
            return None  # everyone signed in reads a school's published policy
        case School():  # the school's own records (programme, destinations): it and its hub
            return _with_hub(session, obj.id, set())
        case ProgrammePlan() | SelfEvaluation() | Leaver():
            return _with_hub(session, obj.school_id, set())
        case ProgrammeActivity():
            return _with_hub(session, session.get(ProgrammePlan, obj.plan_id).school_id, set())
        case Booking() | WaitlistEntry():
            return _with_hub(session, obj.school_id, {obj.slot.offer.employer_id})
        case Need():
            invited = select(Volunteer.employer_id).join(Match, Match.volunteer_id == Volunteer.id)
            employers = set(session.scalars(invited.where(Match.need_id == obj.id)))
            return _with_hub(session, obj.school_id, employers)
        case Match():
            need, volunteer = (
                session.get(Need, obj.need_id),
                session.get(Volunteer, obj.volunteer_id),
            )
            return _with_hub(session, need.school_id, {volunteer.employer_id})
        case Encounter():
            partners = {obj.employer_id, obj.provider_id} - {None}
            partners |= {v.employer_id for v in obj.volunteers}
            return _with_hub(session, obj.school_id, partners)
        case AdviserPairingPlan():
            return {obj.hub_id}
        case AdviserAssignment():
            adviser = session.get(EnterpriseAdviser, obj.adviser_id)
            return _with_hub(session, obj.school_id, {obj.hub_id, adviser.volunteer.employer_id})
    raise TypeError(f"no audience rule for {type(obj).__name__}")


_SCHOOLS = School.__table__
_HUB_OF_SCHOOL = select(_SCHOOLS.c.hub_id).where(_SCHOOLS.c.id == bindparam("school_id"))


def _with_hub(session: Session, school_id: uuid.UUID, others: set) -> set[uuid.UUID]:
    """The school, the coordinators of its hub (who follow its work), and `others`."""
    hub_id = _hub_of(session, school_id)
    return {school_id, *others} | ({hub_id} if hub_id else set())


def _hub_of(session: Session, school_id: uuid.UUID) -> uuid.UUID | None:
    """The school's hub, from the session when the school is in it, else read from its own
    table (a third of what the ORM's query, joined to organisations, costs; every event
    about a school's work asks). A school added and not yet flushed is flushed first, as the
    ORM's autoflush would."""
    school = session.identity_map.get(identity_key(School, school_id))
    if isinstance(school, School):
        return school.hub_id
    if session.new:
        session.flush()
    return session.connection().scalar(_HUB_OF_SCHOOL, {"school_id": school_id})
