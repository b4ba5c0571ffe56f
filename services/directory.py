"""The directories of schools, employers and providers that every signed-in caller can read.

Issue 4 grows their profiles and search; this is the part identity and access rest on.
"""

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.organisations import Employer, Organisation, Provider, ProviderType, School
from models.reference import SicSection
from services.access import Caller
from services.errors import Forbidden, InvalidInput, NotFound
from services.geo import normalise_postcode
from services.pagination import Page, paginate


def list_schools(
    session: Session,
    *,
    page: int,
    page_size: int,
    name: str | None = None,
    hub_id: uuid.UUID | None = None,
) -> Page:
    query = select(School)
    if name:
        query = query.where(School.name.ilike(f"%{name}%"))
    if hub_id:
        query = query.where(School.hub_id == hub_id)
    return paginate(session, query.order_by(School.name, School.id), page=page, page_size=page_size)


def list_employers(session: Session, *, page: int, page_size: int) -> Page:
    query = select(Employer).order_by(Employer.name, Employer.id)
    return paginate(session, query, page=page, page_size=page_size)


def list_providers(session: Session, *, page: int, page_size: int) -> Page:
    query = select(Provider).order_by(Provider.name, Provider.id)
    return paginate(session, query, page=page, page_size=page_size)


def get_organisation(session: Session, model: type[Organisation], organisation_id: uuid.UUID):
    organisation = session.get(model, organisation_id)
    if organisation is None:
        raise NotFound(f"No such {model.__name__.lower()}.")
    return organisation


def create_employer(
    session: Session, caller: Caller, *, name: str, sector_code: str | None, postcode: str | None
) -> Employer:
    _require_admin(caller, "employers")
    if sector_code and session.get(SicSection, sector_code) is None:
        raise InvalidInput("Unknown sector.", errors={"sector_code": ["Not a SIC 2007 section."]})
    employer = Employer(
        name=name,
        sector_code=sector_code,
        postcode=normalise_postcode(postcode) if postcode else None,
    )
    session.add(employer)
    session.flush()
    return employer


def create_provider(
    session: Session,
    caller: Caller,
    *,
    name: str,
    provider_type: ProviderType,
    postcode: str | None,
) -> Provider:
    _require_admin(caller, "providers")
    provider = Provider(
        name=name,
        provider_type=provider_type,
        postcode=normalise_postcode(postcode) if postcode else None,
    )
    session.add(provider)
    session.flush()
    return provider


def _require_admin(caller: Caller, what: str) -> None:
    if not caller.is_admin:
        raise Forbidden(f"Only admins add {what}.")
