"""The employer directory: profiles of every size and sector, located by postcode."""

import uuid

from sqlalchemy.orm import Session

from models.organisations import Employer
from models.reference import SicDivision, SicSection
from services.access import get_authorized, get_visible
from services.callers import Action, Caller
from services.errors import Forbidden, InvalidInput
from services.geo import geocode, located
from services.pagination import Page
from services.search import search_organisations

PROFILE_FIELDS = ("name", "description", "website", "size_band")


EQUAL = ("sector_code", "size_band")  # filters that the column hold the value


def list_(session: Session, *, page: int, page_size: int, **filters) -> Page:
    """The employer directory (see `search_organisations`; filters of EQUAL too)."""
    return search_organisations(session, Employer, EQUAL, page=page, page_size=page_size, **filters)


def get(session: Session, caller: Caller, employer_id: uuid.UUID) -> Employer:
    return get_visible(session, caller, Employer, employer_id)


def get_for_update(session: Session, caller: Caller, employer_id: uuid.UUID) -> Employer:
    return get_authorized(session, caller, Action.UPDATE, Employer, employer_id)


def create(session: Session, caller: Caller, **profile) -> Employer:
    """Register an employer (admins; its staff then keep the profile up to date)."""
    if not caller.is_admin:
        raise Forbidden("Only admins add employers.")
    employer = Employer(name=profile["name"])
    _apply(session, employer, profile)
    session.add(employer)
    session.flush()
    return employer


def update(session: Session, caller: Caller, employer_id: uuid.UUID, changes: dict) -> Employer:
    employer = get_for_update(session, caller, employer_id)
    _apply(session, employer, changes)
    session.flush()
    return employer


def _apply(session: Session, employer: Employer, changes: dict) -> None:
    """Check the sector and postcode, then apply the changes (nothing changes on error)."""
    section = changes.get("sector_code", employer.sector_code)
    division = changes.get("division_code", employer.division_code)
    check_sector(session, section, division)
    location = geocode(session, changes["postcode"]) if changes.get("postcode") else None
    for name in (*PROFILE_FIELDS, "sector_code", "division_code"):
        if name in changes:
            setattr(employer, name, changes[name])
    if "postcode" in changes:
        employer.postcode, employer.latitude, employer.longitude = located(location)


def check_sector(session: Session, section: str | None, division: str | None) -> None:
    """A SIC 2007 section, and optionally one of that section's divisions."""
    if section and session.get(SicSection, section) is None:
        raise InvalidInput(
            "Unknown sector.", errors={"sector_code": [f"'{section}' is not a SIC 2007 section."]}
        )
    if division:
        found = session.get(SicDivision, division)
        if found is None:
            raise InvalidInput(
                "Unknown division.",
                errors={"division_code": [f"'{division}' is not a SIC 2007 division."]},
            )
        if found.section_code != section:
            raise InvalidInput(
                "The division is not in the sector.",
                errors={
                    "division_code": [f"Division {division} is in section {found.section_code}."]
                },
            )
