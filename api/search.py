"""What the directories share over HTTP: `near`/`within_km` query arguments and list items
that carry `distance_km` when the list came from a distance search."""

import marshmallow as ma

from api.extensions import db
from api.smorest import Schema, paged
from services.search import MAX_WITHIN_KM, Origin, origin


class NearQueryArgsSchema(Schema):
    near = ma.fields.String(
        validate=ma.validate.Length(min=2, max=10),
        metadata={"description": "A UK postcode: search around it.", "example": "LS1 4DY"},
    )
    within_km = ma.fields.Float(
        load_default=10.0,
        validate=ma.validate.Range(min=0, max=MAX_WITHIN_KM, min_inclusive=False),
        metadata={"description": "With `near`: the search radius in km."},
    )


def pop_origin(filters: dict) -> Origin | None:
    """Take `near`/`within_km` out of the filters and geocode them."""
    within_km = filters.pop("within_km", 10.0)
    near = filters.pop("near", None)
    return origin(db.session, near, within_km) if near else None


def directory_page(list_, pagination_parameters, filters: dict) -> list:
    """One page of a directory (schools, employers, providers: the same for every caller,
    so its service takes no caller), searched around `near` when it is given."""
    near = pop_origin(filters)
    page = list_(
        db.session,
        page=pagination_parameters.page,
        page_size=pagination_parameters.page_size,
        near=near,
        **filters,
    )
    return paged(pagination_parameters, page)


WEBSITE = [
    ma.validate.URL(schemes={"http", "https"}, require_tld=True),
    ma.validate.Length(max=500),
]


class PlaceFields(Schema):
    """Where a school, an employer, a provider or an offer is: its postcode, and the point
    that postcode geocodes to (none until it has)."""

    postcode = ma.fields.String(allow_none=True)
    latitude = ma.fields.Float(allow_none=True)
    longitude = ma.fields.Float(allow_none=True)


class DirectoryEntrySchema(Schema):
    """Dumps a model, or a `Near` hit (which reads as its model) plus the distance."""

    distance_km = ma.fields.Float(
        metadata={"description": "Great-circle distance from `near` (distance searches only)."}
    )
