"""Volunteer profiles: search by place and offer; updates by the volunteer and their employer.

Safeguarding (DBS) details and the full base postcode appear only for those
`services.access.private_details_rule` allows; for everyone else the `safeguarding`
block is absent (never null) and `base_postcode` is the outward code.
"""

import marshmallow as ma
from flask import g
from flask.views import MethodView

from api.extensions import db
from api.imports import read_rows
from api.search import DirectoryEntrySchema, NearQueryArgsSchema, pop_origin
from api.security import current_caller
from api.smorest import Blueprint, RefSchema, Schema, Timestamp
from api.views import commit, list_page
from models.volunteers import (
    DEFAULT_MONTHLY_CAPACITY,
    MAX_MONTHLY_CAPACITY,
    SIC_SECTIONS,
    YEAR_GROUPS,
    ActivityType,
    Mode,
    RoleModelAttribute,
)
from services import access, volunteers
from services.geo import outward_code
from services.search import Near
from services.volunteers import DAYS, DbsStatus

blp = Blueprint("volunteers", __name__, url_prefix="/api/v1/volunteers", description="Volunteers.")

HH_MM = ma.validate.Regexp(r"^([01][0-9]|2[0-3]):[0-5][0-9]$", error="Use HH:MM (24-hour).")
CAPACITY_NOTE = (
    "Encounters a month the volunteer will commit to (accepted, confirmed or scheduled); "
    f"matching asks nobody beyond it. Default {DEFAULT_MONTHLY_CAPACITY}."
)
WHO_SEES_PRIVATE_DETAILS = (
    "admins, the volunteer, their employer's staff, and the coordinators of a hub whose "
    "schools the volunteer advises or agreed a match with"
)
BASE_POSTCODE_NOTE = (
    f"In full for {WHO_SEES_PRIVATE_DETAILS}; everyone else sees the outward code (`LS1`), "
    "and distances to the nearest km."
)
PRIVATE_DETAILS = ("safeguarding", "base_postcode", "distance_km")
SAFEGUARDING_NOTE = f"Shown only to {WHO_SEES_PRIVATE_DETAILS}; absent for everyone else."


class AvailabilitySchema(Schema):
    day = ma.fields.String(required=True, validate=ma.validate.OneOf(DAYS))
    starts_at = ma.fields.String(required=True, validate=HH_MM, metadata={"example": "09:00"})
    ends_at = ma.fields.String(required=True, validate=HH_MM, metadata={"example": "12:00"})


class SafeguardingSchema(Schema):
    enhanced = ma.fields.Boolean(required=True, metadata={"description": "Enhanced DBS check."})
    barred_list = ma.fields.Boolean(
        required=True, metadata={"description": "The check includes the children's barred list."}
    )
    issued_on = ma.fields.Date(allow_none=True, required=True)
    update_service = ma.fields.Boolean(
        required=True, metadata={"description": "Subscribed to the DBS update service."}
    )
    expires_on = ma.fields.Date(
        allow_none=True,
        required=True,
        metadata={"description": "Three years after issue; none on the update service."},
    )
    status = ma.fields.Enum(
        DbsStatus,
        by_value=True,
        required=True,
        metadata={"description": "`expiring`: within 60 days of `expires_on`."},
    )


class SafeguardingInputSchema(Schema):
    enhanced = ma.fields.Boolean(required=True)
    barred_list = ma.fields.Boolean(load_default=False)
    issued_on = ma.fields.Date(load_default=None, allow_none=True)
    update_service = ma.fields.Boolean(load_default=False)


class EmployerRefSchema(RefSchema):
    """The volunteer's employer."""


class VolunteerSchema(DirectoryEntrySchema):
    id = ma.fields.UUID(required=True)
    user_id = ma.fields.UUID(required=True)
    name = ma.fields.String(required=True)
    employer = ma.fields.Nested(EmployerRefSchema, required=True)
    job_title = ma.fields.String(required=True)
    soc_major_group = ma.fields.Integer(allow_none=True, required=True)
    sectors = ma.fields.List(ma.fields.String(), required=True)
    topics = ma.fields.List(ma.fields.String(), required=True)
    activity_types = ma.fields.List(ma.fields.Enum(ActivityType, by_value=True), required=True)
    modes = ma.fields.List(ma.fields.Enum(Mode, by_value=True), required=True)
    year_groups = ma.fields.List(ma.fields.Integer(), required=True)
    base_postcode = ma.fields.String(
        allow_none=True, required=True, metadata={"description": BASE_POSTCODE_NOTE}
    )
    travel_radius_km = ma.fields.Integer(required=True)
    monthly_capacity = ma.fields.Integer(required=True, metadata={"description": CAPACITY_NOTE})
    weekly_availability = ma.fields.List(ma.fields.Nested(AvailabilitySchema), required=True)
    unavailable_dates = ma.fields.List(ma.fields.String(metadata={"format": "date"}), required=True)
    languages = ma.fields.List(ma.fields.String(), required=True)
    role_model_attributes = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf([a.value for a in RoleModelAttribute])),
        required=True,
    )
    safeguarding = ma.fields.Nested(SafeguardingSchema, metadata={"description": SAFEGUARDING_NOTE})
    updated_at = Timestamp(required=True)

    own_attributes = frozenset(PRIVATE_DETAILS)

    def get_attribute(self, obj, attr, default):
        if attr in PRIVATE_DETAILS:
            volunteer = getattr(obj, "item", obj)
            private = _sees_private_details(volunteer)
            if attr == "safeguarding":
                return volunteers.safeguarding(volunteer) if private else ma.missing
            if attr == "base_postcode" and volunteer.base_postcode and not private:
                return outward_code(volunteer.base_postcode)
            if attr == "distance_km" and isinstance(obj, Near) and not private:
                return round(obj.distance_km)  # metres would locate the postcode
        return super().get_attribute(obj, attr, default)


def _sees_private_details(volunteer) -> bool:
    """The caller's rule, worked out once per request (a page asks for every row)."""
    if "private_details_rule" not in g:
        g.private_details_rule = access.private_details_rule(db.session, current_caller())
    return g.private_details_rule(volunteer)


class VolunteerProfileFields(Schema):
    soc_major_group = ma.fields.Integer(
        allow_none=True,
        validate=ma.validate.Range(min=1, max=9),
        metadata={"description": "SOC 2020 major group, 1-9."},
    )
    sectors = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(SIC_SECTIONS, error="Not a SIC 2007 section.")),
        validate=ma.validate.Length(max=21),
    )
    topics = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(min=1, max=100)),
        validate=ma.validate.Length(max=30),
    )
    activity_types = ma.fields.List(ma.fields.Enum(ActivityType, by_value=True))
    modes = ma.fields.List(ma.fields.Enum(Mode, by_value=True))
    year_groups = ma.fields.List(
        ma.fields.Integer(validate=ma.validate.OneOf(YEAR_GROUPS, error="Year groups are 7-13."))
    )
    base_postcode = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=10))
    travel_radius_km = ma.fields.Integer(validate=ma.validate.Range(min=0, max=200))
    monthly_capacity = ma.fields.Integer(
        validate=ma.validate.Range(min=1, max=MAX_MONTHLY_CAPACITY),
        metadata={"description": CAPACITY_NOTE},
    )
    weekly_availability = ma.fields.List(
        ma.fields.Nested(AvailabilitySchema), validate=ma.validate.Length(max=50)
    )
    unavailable_dates = ma.fields.List(ma.fields.Date(), validate=ma.validate.Length(max=366))
    languages = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(min=2, max=50)),
        validate=ma.validate.Length(max=20),
    )
    role_model_attributes = ma.fields.List(
        ma.fields.Enum(RoleModelAttribute, by_value=True),
        metadata={"description": "Opt-in: share only what the volunteer chooses to."},
    )
    safeguarding = ma.fields.Nested(SafeguardingInputSchema)


class VolunteerCreateSchema(VolunteerProfileFields):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    email = ma.fields.Email(required=True)
    job_title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))


class VolunteerUpdateSchema(VolunteerProfileFields):
    name = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    job_title = ma.fields.String(validate=ma.validate.Length(min=1, max=200))


class VolunteerFilterArgsSchema(NearQueryArgsSchema):
    q = ma.fields.String(
        validate=ma.validate.Length(max=200), metadata={"description": "Name or job title."}
    )
    activity_type = ma.fields.Enum(ActivityType, by_value=True)
    sector = ma.fields.String(validate=ma.validate.OneOf(SIC_SECTIONS))
    year_group = ma.fields.Integer(validate=ma.validate.OneOf(YEAR_GROUPS))
    mode = ma.fields.Enum(Mode, by_value=True)
    soc_major_group = ma.fields.Integer(validate=ma.validate.Range(min=1, max=9))
    reachable = ma.fields.Boolean(
        load_default=False,
        metadata={"description": "With `near`: only volunteers whose travel radius reaches it."},
    )
    sort = ma.fields.String(
        validate=ma.validate.OneOf(["name", "job_title", "-updated_at", "distance"]),
        metadata={"description": "Default: `distance` with `near`, else `name`."},
    )


class VolunteerQueryArgsSchema(VolunteerFilterArgsSchema):
    employer_id = ma.fields.UUID()


def to_profile(data: dict) -> dict:
    """The loaded body as the service's flat profile (safeguarding → dbs_* fields)."""
    profile = dict(data)
    check = profile.pop("safeguarding", None)
    if check is not None:
        names = {"enhanced", "barred_list", "issued_on", "update_service"}
        profile.update({f"dbs_{name}": value for name, value in check.items() if name in names})
    return profile


LIST_COLUMNS = {"sectors", "topics", "activity_types", "modes", "year_groups", "languages"}
LIST_COLUMNS |= {"unavailable_dates", "role_model_attributes"}
DBS_COLUMNS = {
    "dbs_enhanced": "enhanced",
    "dbs_barred_list": "barred_list",
    "dbs_issued_on": "issued_on",
    "dbs_update_service": "update_service",
}
REQUIRED_COLUMNS = ("name", "email", "job_title")
CSV_COLUMNS = (set(VolunteerCreateSchema().fields) - {"safeguarding"}) | set(DBS_COLUMNS)


def parse_volunteer_csv(text: str) -> tuple[list[tuple[int, dict]], dict[int, dict]]:
    """Every row of a volunteer CSV as a profile (only its valid fields), and the errors of
    the rows that fail; the service adds the errors only it can find.

    List cells are separated by `;`; availability reads `monday 09:00-12:00; friday 13:00-15:00`.
    """
    rows, errors = read_rows(text, CSV_COLUMNS, REQUIRED_COLUMNS)
    schema = VolunteerCreateSchema()
    profiles = []
    for line, cells in rows:
        data, problems = _csv_row(cells)
        try:
            loaded = schema.load(data)
        except ma.ValidationError as error:
            problems.update(_flatten(error.normalized_messages()))
            loaded = error.valid_data or {}
        if problems:
            errors[line] = problems
        # Rows with errors go on too (their valid part), so every error is found at once.
        profiles.append((line, to_profile(loaded)))
    return profiles, errors


def _csv_row(cells: dict[str, str]) -> tuple[dict, dict]:
    data: dict = {}
    problems: dict = {}
    check: dict = {}
    for name, value in cells.items():
        if value == "":
            continue
        if name in DBS_COLUMNS:
            check[DBS_COLUMNS[name]] = value
        elif name == "weekly_availability":
            try:
                data[name] = [_slot(part) for part in value.split(";") if part.strip()]
            except ValueError:
                problems[name] = ["Use e.g. 'monday 09:00-12:00; friday 13:00-15:00'."]
        elif name in LIST_COLUMNS:
            data[name] = [part.strip() for part in value.split(";") if part.strip()]
        else:
            data[name] = value
    if check:
        data["safeguarding"] = check
    return data, problems


def _slot(text: str) -> dict:
    day, _, times = text.strip().partition(" ")
    starts_at, _, ends_at = times.strip().partition("-")
    if not (day and starts_at and ends_at):
        raise ValueError(text)
    return {"day": day.lower(), "starts_at": starts_at.strip(), "ends_at": ends_at.strip()}


def _flatten(messages: dict, prefix: str = "") -> dict[str, list[str]]:
    """Nested marshmallow messages as `field.sub` → messages (CSV columns are flat)."""
    flat: dict[str, list[str]] = {}
    for key, value in messages.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = [str(message) for message in value]
    return flat


@blp.route("")
class Volunteers(MethodView):
    @blp.lists(VolunteerSchema, scope="volunteers:read", query=VolunteerQueryArgsSchema)
    def get(self, filters, pagination_parameters):
        """Search the volunteers you may see by offer, sector, year group or distance"""
        near = pop_origin(filters)
        return list_page(volunteers.list_, pagination_parameters, near=near, **filters)


@blp.route("/<uuid:volunteer_id>")
class VolunteerById(MethodView):
    @blp.reads(VolunteerSchema, scope="volunteers:read")
    def get(self, volunteer_id):
        """Read a volunteer's profile"""
        return volunteers.get(db.session, current_caller(), volunteer_id)

    @blp.updates(
        VolunteerSchema,
        body=VolunteerUpdateSchema,
        current=volunteers.get_for_update,
        scope="volunteers:write",
    )
    def patch(self, changes, volunteer_id):
        """Update a volunteer's profile (the volunteer, their employer's staff, admins)"""
        return commit(volunteers.update, volunteer_id, to_profile(changes))
