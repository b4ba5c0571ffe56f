"""The one authorization policy: may this caller do this to this object?

Every route asks here, against the database (not only token claims), so a
deactivated user or a coordinator moved off a hub loses access at once.
A caller who may not *see* an object gets NotFound, exactly as if it did not
exist; a caller who may see it but not act on it gets Forbidden.
"""

import uuid
from collections.abc import Callable
from functools import cache

from sqlalchemy import ColumnElement, Select, bindparam, false, inspect, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from models.audit import AuditEntry
from models.auth import ApiClient
from models.bookings import Booking, Slot, WaitlistEntry
from models.checklists import Party
from models.destinations import Leaver
from models.encounters import Encounter
from models.evaluations import SelfEvaluation
from models.matches import Match, MatchStatus
from models.needs import Need
from models.offer_requests import OfferRequest, Side
from models.offers import Offer, OfferStatus
from models.organisations import Employer, Hub, Organisation, OrganisationKind, Provider, School
from models.pairings import AdviserAssignment, AdviserPairingPlan
from models.programme import ProgrammeActivity, ProgrammePlan
from models.pupils import Pupil
from models.users import Invitation, Role, User
from models.volunteers import EnterpriseAdviser, Volunteer
from models.webhooks import WebhookSubscription
from services.callers import Action, Caller
from services.errors import Forbidden, NotFound
from services.labels import label


def authorize(session: Session, caller: Caller, action: Action, obj: object) -> None:
    """Raise NotFound if the caller may not see `obj`, Forbidden if it may not do `action`."""
    if not can_see(session, caller, obj):
        raise NotFound(f"No such {label(obj)}.")
    if action is not Action.READ and not can_change(session, caller, action, obj):
        raise Forbidden(f"You may not {action} this {label(obj)}.")


def can_see(session: Session, caller: Caller, obj: object) -> bool:
    if isinstance(obj, Pupil | Leaver):  # children's data: their own school only, admins too
        return caller.role is Role.SCHOOL_STAFF and obj.school_id == caller.organisation_id
    if caller.is_admin:
        return True
    match obj:
        case ProgrammePlan() | SelfEvaluation():
            return _school_side(caller, obj.school)
        case ProgrammeActivity():
            return _school_side(caller, obj.plan.school)
        case School() | Employer() | Provider():
            return True  # public directories
        case Hub():
            return obj.id in hub_ids_of(session, caller)
        case User() if obj.id == caller.user_id:
            return True
        case User() | Invitation():
            return caller.role is not Role.VOLUNTEER and obj.organisation_id in (
                organisations_overseen(session, caller)
            )
        case ApiClient() | AuditEntry():
            return caller.is_org_admin and obj.organisation_id == caller.organisation_id
        case WebhookSubscription():
            return manages_integrations(caller, obj.organisation_id)
        case Volunteer():
            return _sees_volunteer(caller, obj)
        case EnterpriseAdviser():
            return _sees_adviser(session, caller, obj)
        case Offer():
            return obj.status is OfferStatus.PUBLISHED or _hosts(caller, obj)
        case Slot():
            return can_see(session, caller, obj.offer)
        case Booking() | WaitlistEntry():
            return (
                _books(caller, obj.school_id)
                or _hosts(caller, obj.slot.offer)
                or _coordinates_school(session, caller, obj.school_id)
            )
        case Encounter():
            return _sees_encounter(session, caller, obj)
        case OfferRequest():
            return request_side(caller, obj) is not None or _coordinates_school(
                session, caller, obj.school_id
            )
        case Need():
            return _school_side(caller, obj.school) or _holds_match_on(session, caller, obj)
        case Match():
            return _school_side(caller, obj.need.school) or _owns_volunteer(caller, obj.volunteer)
        case AdviserPairingPlan():
            return caller.role is Role.COORDINATOR and obj.hub_id == caller.organisation_id
        case AdviserAssignment():
            return (
                _school_side(caller, obj.school)
                or _coordinates(caller, obj.hub_id)
                or _owns_volunteer(caller, obj.adviser.volunteer)
            )
    return False


def _coordinates(caller: Caller, hub_id: uuid.UUID) -> bool:
    """A coordinator of this hub (or its partner app)."""
    return caller.role is Role.COORDINATOR and hub_id == caller.organisation_id


def _coordinates_school(session: Session, caller: Caller, school_id: uuid.UUID) -> bool:
    """A coordinator of the school's hub (or its partner app): they follow, not act."""
    if caller.role is not Role.COORDINATOR:
        return False
    school = session.get(School, school_id)
    return school is not None and _coordinates(caller, school.hub_id)


def _is_volunteer(caller: Caller, volunteer: Volunteer) -> bool:
    """The volunteer themself, logged in (not their employer)."""
    return caller.user_id is not None and caller.user_id == volunteer.user_id


def _hosts(caller: Caller, offer: Offer) -> bool:
    """Staff of the employer or provider publishing the offer (and its partner apps)."""
    return _partners(caller, offer.employer_id, offer.provider_id)


def _partners(caller: Caller, employer_id: uuid.UUID | None, provider_id: uuid.UUID | None):
    """Staff (and partner apps) of this employer or provider."""
    if caller.role is Role.EMPLOYER_STAFF:
        return employer_id is not None and caller.organisation_id == employer_id
    if caller.role is Role.PROVIDER_STAFF:
        return provider_id is not None and caller.organisation_id == provider_id
    return False


def request_side(caller: Caller, request: OfferRequest) -> Side | None:
    """Which side of a request the caller acts for (None: it only follows, or not at all)."""
    if caller.is_admin:
        return Side.ADMIN
    if _books(caller, request.school_id):
        return Side.SCHOOL
    if _partners(caller, request.employer_id, request.provider_id):
        return Side.PARTNER
    return None


def visible_requests(caller: Caller) -> ColumnElement[bool]:
    """A WHERE clause on `offer_requests` matching `can_see`."""
    parties = _parties(
        caller, OfferRequest.school_id, OfferRequest.employer_id, OfferRequest.provider_id
    )
    return false() if parties is None else parties


def _parties(
    caller: Caller, school_id, employer_id=None, provider_id=None
) -> ColumnElement[bool] | None:
    """A WHERE clause for the parties to a school's activity with an employer or provider:
    admins, the school's staff, its hub's coordinators (to follow), and the other side's
    staff; None when the caller is none of them."""
    if caller.is_admin:
        return true()
    if caller.role is Role.COORDINATOR:
        return school_id.in_(coordinated_schools(caller))
    own = {
        Role.SCHOOL_STAFF: school_id,
        Role.EMPLOYER_STAFF: employer_id,
        Role.PROVIDER_STAFF: provider_id,
    }.get(caller.role)
    return None if own is None else own == caller.organisation_id


def _books(caller: Caller, school_id: uuid.UUID) -> bool:
    """Staff of the school that books (and its partner apps)."""
    return caller.role is Role.SCHOOL_STAFF and caller.organisation_id == school_id


def speaks_for_school(caller: Caller, school_id: uuid.UUID) -> bool:
    """The school's own staff (and partner apps), or an admin: not its hub's coordinators."""
    return caller.is_admin or _books(caller, school_id)


def may_book_for(caller: Caller, school_id: uuid.UUID) -> bool:
    """Who may book seats, or join a waitlist, for a school: its own staff, or an admin."""
    return caller.is_admin or _books(caller, school_id)


HOST_ACTIONS = {Action.CONFIRM, Action.DECLINE}
SCHOOL_ACTIONS = {Action.RECORD_CONSENT}
EITHER_SIDE_ACTIONS = {Action.CANCEL, Action.COMPLETE, Action.READ}


def booking_party(caller: Caller, booking: Booking | WaitlistEntry) -> str:
    """Which side of a booking the caller acts for: school, employer or admin."""
    if caller.is_admin:
        return "admin"
    return "school" if _books(caller, booking.school_id) else "employer"


def _sees_encounter(session: Session, caller: Caller, encounter: Encounter) -> bool:
    """The school, its hub's coordinators, the employer or provider, and the volunteers."""
    if caller.role is Role.SCHOOL_STAFF:
        return encounter.school_id == caller.organisation_id
    if caller.role is Role.COORDINATOR:
        return encounter.school_id in hub_school_ids(session, caller)
    if caller.role is Role.EMPLOYER_STAFF:
        return encounter.employer_id == caller.organisation_id
    if caller.role is Role.PROVIDER_STAFF:
        return encounter.provider_id == caller.organisation_id
    if caller.role is Role.VOLUNTEER:
        return any(v.user_id == caller.user_id for v in encounter.volunteers)
    return False


def visible_encounters(caller: Caller) -> ColumnElement[bool]:
    """A WHERE clause on `encounters` matching `can_see`."""
    parties = _parties(caller, Encounter.school_id, Encounter.employer_id, Encounter.provider_id)
    if parties is not None:
        return parties
    if caller.user_id is not None:
        return Encounter.volunteers.any(Volunteer.user_id == caller.user_id)
    return false()


def may_record_encounters_for(caller: Caller, school_id: uuid.UUID) -> bool:
    """Admins, and the school's own staff (coordinators read; partners answer checklists)."""
    return caller.is_admin or (
        caller.role is Role.SCHOOL_STAFF and caller.organisation_id == school_id
    )


def checklist_parties(caller: Caller, encounter: Encounter) -> set[Party]:
    """Which sides of an encounter's checklist the caller answers for."""
    if caller.is_admin:
        return {Party.SCHOOL, Party.PARTNER}
    if caller.role is Role.SCHOOL_STAFF and caller.organisation_id == encounter.school_id:
        return {Party.SCHOOL}
    partner_id = encounter.employer_id or encounter.provider_id
    if caller.role in (Role.EMPLOYER_STAFF, Role.PROVIDER_STAFF) and (
        partner_id == caller.organisation_id
    ):
        return {Party.PARTNER}
    return set()


def _school_side(caller: Caller, school: School) -> bool:
    """The school's own staff, and the coordinators of its hub, act for a school."""
    if caller.role is Role.SCHOOL_STAFF:
        return school.id == caller.organisation_id
    return caller.role is Role.COORDINATOR and school.hub_id == caller.organisation_id


def _holds_match_on(session: Session, caller: Caller, need: Need) -> bool:
    """Volunteers (and their employer's staff) see the needs they were invited to."""
    if caller.role not in (Role.VOLUNTEER, Role.EMPLOYER_STAFF):
        return False
    query = select(Match.id).join(Volunteer, Volunteer.id == Match.volunteer_id)
    return (
        session.scalar(query.where(Match.need_id == need.id, visible_volunteers(caller)).limit(1))
        is not None
    )


def acts_for_school(caller: Caller, need: Need) -> bool:
    """May invite, confirm, schedule and cancel for this need's school."""
    return caller.is_admin or _school_side(caller, need.school)


def may_act_as_volunteer(caller: Caller, volunteer: Volunteer) -> bool:
    """The volunteer themself, their employer's staff, or an admin."""
    return caller.is_admin or _owns_volunteer(caller, volunteer)


def acts_for_volunteer(caller: Caller, match: Match) -> bool:
    """May accept or decline: the invited volunteer themself (or an admin)."""
    return caller.is_admin or _is_volunteer(caller, match.volunteer)


def visible_needs(caller: Caller) -> ColumnElement[bool]:
    """A WHERE clause on `needs` (joined to `schools`) matching `can_see`'s school side."""
    if caller.role in (Role.VOLUNTEER, Role.EMPLOYER_STAFF):
        invited = select(Match.need_id).join(Volunteer, Volunteer.id == Match.volunteer_id)
        return Need.id.in_(invited.where(visible_volunteers(caller)))
    return _needs_of_schools_seen(caller)


def visible_matches(caller: Caller) -> ColumnElement[bool]:
    """A WHERE clause on `matches` (joined to needs, schools and volunteers)."""
    if caller.role in (Role.VOLUNTEER, Role.EMPLOYER_STAFF):
        return visible_volunteers(caller)
    return _needs_of_schools_seen(caller)


def _needs_of_schools_seen(caller: Caller) -> ColumnElement[bool]:
    """On `needs` joined to `schools`: every need for admins, the school's own for its staff,
    the hub's schools' for its coordinators, and none for anyone else."""
    if caller.is_admin:
        return true()
    if caller.role is Role.SCHOOL_STAFF:
        return Need.school_id == caller.organisation_id
    if caller.role is Role.COORDINATOR:
        return School.hub_id == caller.organisation_id
    return false()


def _owns_volunteer(caller: Caller, volunteer: Volunteer) -> bool:
    """The volunteer themself, or staff of the volunteer's employer."""
    if _is_volunteer(caller, volunteer):
        return True
    return caller.role is Role.EMPLOYER_STAFF and caller.organisation_id == volunteer.employer_id


def _sees_volunteer(caller: Caller, volunteer: Volunteer) -> bool:
    """Coordinators and schools search every volunteer; employers see their own people."""
    if caller.role in (Role.COORDINATOR, Role.SCHOOL_STAFF):
        return True
    return _owns_volunteer(caller, volunteer)


# A volunteer who agreed to a school's match (an invitation alone shares nothing).
AGREED_MATCHES = (MatchStatus.ACCEPTED, MatchStatus.CONFIRMED, MatchStatus.SCHEDULED)


def private_details_rule(session: Session, caller: Caller) -> Callable[[Volunteer], bool]:
    """Field-level rule: a volunteer's DBS details and full base postcode (often their
    home) are for admins, the volunteer, their employer's staff, and the coordinators of a
    hub whose schools the volunteer advises now or agreed a match with; everyone else sees
    the profile without DBS details and with the outward code only. One query for a
    coordinator, so a page of volunteers is judged at once."""
    if caller.is_admin:
        return lambda volunteer: True
    if caller.role is Role.COORDINATOR:
        serving = set(session.scalars(volunteers_serving_hub(caller.organisation_id)))
        return lambda volunteer: volunteer.id in serving
    return lambda volunteer: _owns_volunteer(caller, volunteer)


def volunteers_serving_hub(hub_id: uuid.UUID) -> Select:
    """Ids of volunteers who advise one of the hub's schools (an assignment not ended) or
    agreed a match on one of its needs."""
    hub_schools = select(School.id).where(School.hub_id == hub_id)
    advising = (
        select(EnterpriseAdviser.volunteer_id)
        .join(AdviserAssignment, AdviserAssignment.adviser_id == EnterpriseAdviser.id)
        .where(AdviserAssignment.school_id.in_(hub_schools), AdviserAssignment.ends_on.is_(None))
    )
    matched = (
        select(Match.volunteer_id)
        .join(Need, Need.id == Match.need_id)
        .where(Need.school_id.in_(hub_schools), Match.status.in_(AGREED_MATCHES))
    )
    return advising.union(matched)


def sees_volunteers_in_part(caller: Caller) -> bool:
    """Schools and coordinators search every volunteer, most without private details."""
    return caller.role in (Role.SCHOOL_STAFF, Role.COORDINATOR)


def _sees_adviser(session: Session, caller: Caller, adviser: EnterpriseAdviser) -> bool:
    """Coordinators see their hub's advisers, those advising its schools, and those not yet
    placed in any hub (whom they may place in theirs); employers and advisers their own."""
    if caller.role is not Role.COORDINATOR:
        return _owns_volunteer(caller, adviser.volunteer)
    if adviser.hub_id in (None, caller.organisation_id):
        return True
    advising = select(AdviserAssignment.id).join(School, School.id == AdviserAssignment.school_id)
    advising = advising.where(
        AdviserAssignment.adviser_id == adviser.id, School.hub_id == caller.organisation_id
    )
    return session.scalar(advising.limit(1)) is not None


def can_set_adviser_status(caller: Caller, adviser: EnterpriseAdviser) -> bool:
    """Admins, and the coordinator of the adviser's hub (or any, while it has none)."""
    if caller.is_admin:
        return True
    return caller.role is Role.COORDINATOR and adviser.hub_id in (None, caller.organisation_id)


def can_enrol_adviser(caller: Caller, volunteer: Volunteer) -> bool:
    """Who may record a volunteer's commitment as an Enterprise Adviser."""
    return caller.is_admin or caller.role is Role.COORDINATOR or _owns_volunteer(caller, volunteer)


def can_place_adviser(caller: Caller, hub_id: uuid.UUID | None) -> bool:
    """Admins place an adviser in any hub; a coordinator only in (or out of) their own."""
    return caller.is_admin or (
        caller.role is Role.COORDINATOR and hub_id in (None, caller.organisation_id)
    )


def visible_adviser_assignments(caller: Caller) -> ColumnElement[bool]:
    """A WHERE clause on `adviser_assignments` matching `can_see`."""
    if caller.is_admin:
        return true()
    if caller.role is Role.SCHOOL_STAFF:
        return AdviserAssignment.school_id == caller.organisation_id
    if caller.role is Role.COORDINATOR:
        return or_(
            AdviserAssignment.hub_id == caller.organisation_id,
            AdviserAssignment.school_id.in_(coordinated_schools(caller)),
        )
    # The adviser themself, and their employer's staff.
    own_advisers = select(EnterpriseAdviser.id).join(EnterpriseAdviser.volunteer)
    return AdviserAssignment.adviser_id.in_(own_advisers.where(visible_advisers(caller)))


def visible_pairing_plans(caller: Caller) -> ColumnElement[bool]:
    """A WHERE clause on `adviser_pairing_plans` matching `can_see`: the hub's coordinators."""
    if caller.is_admin:
        return true()
    if caller.role is Role.COORDINATOR:
        return AdviserPairingPlan.hub_id == caller.organisation_id
    return false()


def visible_volunteers(caller: Caller) -> ColumnElement[bool]:
    """A WHERE clause on `volunteers` matching `can_see` (lists show only what one may see)."""
    if caller.is_admin or caller.role in (Role.COORDINATOR, Role.SCHOOL_STAFF):
        return true()
    if caller.role is Role.EMPLOYER_STAFF:
        return Volunteer.employer_id == caller.organisation_id
    if caller.user_id is not None:
        return Volunteer.user_id == caller.user_id
    return false()


def visible_offers(caller: Caller) -> ColumnElement[bool]:
    """A WHERE clause on `offers` matching `can_see`: published ones, and one's own."""
    if caller.is_admin:
        return true()
    published = Offer.status == OfferStatus.PUBLISHED
    if caller.role is Role.EMPLOYER_STAFF:
        return or_(published, Offer.employer_id == caller.organisation_id)
    if caller.role is Role.PROVIDER_STAFF:
        return or_(published, Offer.provider_id == caller.organisation_id)
    return published


def visible_bookings(caller: Caller, school_column, employer_column) -> ColumnElement[bool]:
    """A WHERE clause on bookings (or waitlist entries) joined to their slot's offer:
    the school's, the host's, and (to follow, not act) the school's hub coordinators'."""
    parties = _parties(caller, school_column, employer_column)
    return false() if parties is None else parties


def visible_advisers(caller: Caller) -> ColumnElement[bool]:
    """A WHERE clause on `enterprise_advisers` (joined to `volunteers`) matching `can_see`."""
    if caller.is_admin:
        return true()
    if caller.role is Role.COORDINATOR:
        advising = select(AdviserAssignment.adviser_id).where(
            AdviserAssignment.school_id.in_(coordinated_schools(caller))
        )
        return or_(
            EnterpriseAdviser.hub_id == caller.organisation_id,
            EnterpriseAdviser.hub_id.is_(None),
            EnterpriseAdviser.id.in_(advising),
        )
    if caller.role is Role.EMPLOYER_STAFF:
        return Volunteer.employer_id == caller.organisation_id
    if caller.user_id is not None:
        return Volunteer.user_id == caller.user_id
    return false()


def can_change(session: Session, caller: Caller, action: Action, obj: object) -> bool:
    if isinstance(obj, Pupil | Leaver):
        return can_see(session, caller, obj)
    if caller.is_admin:
        return True
    match obj:
        case ProgrammePlan() | SelfEvaluation() | ProgrammeActivity():
            # The school plans and evaluates itself; its hub's coordinators follow.
            return (
                caller.role is Role.SCHOOL_STAFF and obj.organisation_id == caller.organisation_id
            )
        case Hub():
            return caller.role is Role.COORDINATOR and obj.id == caller.organisation_id
        case School():
            return obj.id == caller.organisation_id or (
                caller.role is Role.COORDINATOR and obj.hub_id == caller.organisation_id
            )
        case Employer() | Provider():
            return obj.id == caller.organisation_id and caller.role is not Role.VOLUNTEER
        case User():
            return obj.id != caller.user_id and may_manage_members_of(
                session, caller, obj.organisation_id
            )
        case ApiClient() | WebhookSubscription() | AdviserPairingPlan():
            return can_see(session, caller, obj)  # those who see them manage them
        case Volunteer():
            return _owns_volunteer(caller, obj)
        case EnterpriseAdviser():
            return _owns_volunteer(caller, obj.volunteer) or can_set_adviser_status(caller, obj)
        case Offer():
            return _hosts(caller, obj)
        case Slot():
            if action is Action.BOOK:
                return caller.role is Role.SCHOOL_STAFF
            return _hosts(caller, obj.offer)
        case Booking():
            return _may_move_booking(caller, action, obj)
        case WaitlistEntry():
            return _books(caller, obj.school_id)
        case Encounter():
            return caller.role is Role.SCHOOL_STAFF and obj.school_id == caller.organisation_id
        case Need():
            return _school_side(caller, obj.school)
        case Match():
            return _school_side(caller, obj.need.school) or acts_for_volunteer(caller, obj)
        case AdviserAssignment():
            if action is Action.LOG_HOURS:
                return _coordinates(caller, obj.hub_id) or _is_volunteer(
                    caller, obj.adviser.volunteer
                )
            return action is Action.END and _coordinates(caller, obj.hub_id)
    return False


def _may_move_booking(caller: Caller, action: Action, booking: Booking) -> bool:
    """The host decides on a booking, the school looks after its own, either may cancel."""
    if action in HOST_ACTIONS:
        return _hosts(caller, booking.slot.offer)
    if action in SCHOOL_ACTIONS:
        return _books(caller, booking.school_id)
    if action in EITHER_SIDE_ACTIONS:
        return _books(caller, booking.school_id) or _hosts(caller, booking.slot.offer)
    return False


def manages_integrations(caller: Caller, organisation_id: uuid.UUID) -> bool:
    """An organisation's admins and its partner apps manage its webhook subscriptions."""
    return caller.is_admin or (
        organisation_id == caller.organisation_id
        and (caller.is_org_admin or caller.client_id is not None)
    )


def may_manage_members_of(session: Session, caller: Caller, organisation_id: uuid.UUID) -> bool:
    """Org admins manage their own organisation; coordinators manage their hub's schools."""
    if caller.is_admin:
        return True
    if caller.is_org_admin and organisation_id == caller.organisation_id:
        return True
    return caller.role is Role.COORDINATOR and organisation_id in hub_school_ids(session, caller)


def hub_ids_of(session: Session, caller: Caller) -> set[uuid.UUID]:
    """The hubs a caller belongs to: the hub it coordinates, or the hub of its school."""
    if caller.role is Role.COORDINATOR:
        return {caller.organisation_id}
    if caller.role is Role.SCHOOL_STAFF:
        hub_id = session.scalar(select(School.hub_id).where(School.id == caller.organisation_id))
        return {hub_id} if hub_id else set()
    return set()


def hub_school_ids(session: Session, caller: Caller) -> set[uuid.UUID]:
    if caller.role is not Role.COORDINATOR:
        return set()
    return set(session.scalars(coordinated_schools(caller)))


def coordinated_schools(caller: Caller) -> Select:
    """The ids of the schools in the hub a coordinator coordinates, as a subquery."""
    return select(School.id).where(School.hub_id == caller.organisation_id)


def organisations_overseen(session: Session, caller: Caller) -> set[uuid.UUID]:
    """Organisations whose members the caller may see: its own, plus its hub's schools."""
    return {caller.organisation_id} | hub_school_ids(session, caller)


def visible_organisations(session: Session, caller: Caller, column) -> ColumnElement[bool]:
    """A WHERE clause limiting a list to rows of organisations the caller oversees."""
    if caller.is_admin:
        return true()
    return column.in_(organisations_overseen(session, caller))


def visible_users(session: Session, caller: Caller) -> ColumnElement[bool]:
    if caller.role is Role.VOLUNTEER:
        return User.id == caller.user_id
    return visible_organisations(session, caller, User.organisation_id)


def visible_hubs(session: Session, caller: Caller) -> ColumnElement[bool]:
    if caller.is_admin:
        return true()
    ids = hub_ids_of(session, caller)
    return Hub.id.in_(ids) if ids else false()


def may_read_school_numbers(session: Session, caller: Caller, school: School) -> bool:
    """Aggregates without pupils: admins, the school itself, and its hub's coordinators."""
    return caller.is_admin or _school_side(caller, school)


def coordinates_hub(caller: Caller, hub: Hub) -> bool:
    """A hub's side-by-side views are for its coordinators (and admins)."""
    return caller.is_admin or _coordinates(caller, hub.id)


def ensure_pupils_of(caller: Caller, school_id: uuid.UUID) -> None:
    """A school's pupil records exist, for anyone else, as if they did not."""
    if caller.role is not Role.SCHOOL_STAFF or caller.organisation_id != school_id:
        raise NotFound("No such school pupil records.")


def get_visible(session: Session, caller: Caller, model: type, object_id: uuid.UUID):
    """Load an object the caller may see, or raise NotFound for missing and foreign alike."""
    obj = _get(session, model, object_id)
    if obj is None or not can_see(session, caller, obj):
        raise NotFound(f"No such {label(model)}.")
    return obj


def _get(session: Session, model: type, object_id: uuid.UUID):
    """`session.get`, by a statement built once per model where the object is not already
    in the session: `session.get` builds, annotates and keys its own on every call, most
    of what reading one row costs."""
    if identity_key(model, object_id) in session.identity_map:
        return session.get(model, object_id)
    return session.scalars(_by_id(model), {"object_id": object_id}).one_or_none()


@cache
def _by_id(model: type) -> Select:
    (key,) = inspect(model).primary_key
    return select(model).where(key == bindparam("object_id"))


def get_authorized(session: Session, caller: Caller, action: Action, model: type, object_id):
    """Load an object for `action`: NotFound for missing and foreign alike (as
    `get_visible`), Forbidden for one the caller sees but may not change so."""
    obj = get_visible(session, caller, model, object_id)
    authorize(session, caller, action, obj)
    return obj


def organisation_kind(session: Session, organisation_id: uuid.UUID) -> OrganisationKind | None:
    return session.scalar(select(Organisation.kind).where(Organisation.id == organisation_id))
