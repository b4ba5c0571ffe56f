"""Providers for Benchmark 7: FE colleges come from the data; admins add sixth forms,
universities and independent training providers."""

import uuid

from sqlalchemy.orm import Session

from models.organisations import Provider, ProviderType
from services.access import get_authorized, get_visible
from services.callers import Action, Caller
from services.errors import Forbidden
from services.geo import geocode, located
from services.pagination import Page
from services.search import search_organisations

EQUAL = ("provider_type",)  # filters that the column hold the value


def list_(session: Session, *, page: int, page_size: int, **filters) -> Page:
    """The provider directory (see `search_organisations`; filters of EQUAL too)."""
    return search_organisations(session, Provider, EQUAL, page=page, page_size=page_size, **filters)


def get(session: Session, caller: Caller, provider_id: uuid.UUID) -> Provider:
    return get_visible(session, caller, Provider, provider_id)


def get_for_update(session: Session, caller: Caller, provider_id: uuid.UUID) -> Provider:
    return get_authorized(session, caller, Action.UPDATE, Provider, provider_id)


def create(
    session: Session,
    caller: Caller,
    *,
    name: str,
    provider_type: ProviderType,
    postcode: str | None = None,
    website: str | None = None,
    ukprn: int | None = None,
) -> Provider:
    if not caller.is_admin:
        raise Forbidden("Only admins add providers.")
    provider = Provider(name=name, provider_type=provider_type, website=website, ukprn=ukprn)
    _locate(session, provider, postcode)
    session.add(provider)
    session.flush()
    return provider


def update(session: Session, caller: Caller, provider_id: uuid.UUID, changes: dict) -> Provider:
    provider = get_for_update(session, caller, provider_id)
    if "provider_type" in changes and not caller.is_admin:
        raise Forbidden("Only admins change a provider's type.")
    if "postcode" in changes:
        _locate(session, provider, changes["postcode"])
    for name in ("name", "provider_type", "website"):
        if name in changes:
            setattr(provider, name, changes[name])
    session.flush()
    return provider


def _locate(session: Session, provider: Provider, postcode: str | None) -> None:
    location = geocode(session, postcode) if postcode else None  # raises before any change
    provider.postcode, provider.latitude, provider.longitude = located(location)
