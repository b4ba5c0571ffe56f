"""Career journeys and the Careers Tube Map.

`volunteers/{id}/journey` is the volunteer's own record (the volunteer, their employer's
staff, admins); employers import their volunteers' steps by CSV. `tube-map`,
`tube-map.svg` and `journeys` count shared journeys only; they name only the volunteers
who chose to be named, and then by name alone.
"""

import marshmallow as ma
from flask import Response, current_app
from flask.views import MethodView

from api.extensions import db
from api.imports import (
    ImportResultSchema,
    csv_body,
    read_rows,
    refuse_if_not_written,
    request_csv,
)
from api.security import current_caller
from api.smorest import Blueprint, Schema, Timestamp
from api.views import commit
from models.journeys import MAX_STEPS, REGIONS, QualificationType, Route, StepKind
from models.volunteers import SIC_SECTIONS
from services import journeys, tube_map, tube_map_svg
from services.errors import InvalidInput

blp = Blueprint(
    "journeys", __name__, url_prefix="/api/v1", description="Career journeys and the tube map."
)
LEVELS = ["entry", *map(str, range(1, 9))]
SVG = "image/svg+xml"


class Level(ma.fields.String):
    """An RQF level as the API names it (`entry`, `1` … `8`), stored as 0-8."""

    def __init__(self, **kwargs):
        metadata = {"enum": LEVELS, "description": "RQF level: entry, 1 … 8."}
        super().__init__(metadata=metadata | kwargs.pop("metadata", {}), **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else journeys.level_name(value)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip().lower()
        if text not in LEVELS:
            raise ma.ValidationError("Use an RQF level: entry, 1, 2 … 8.")
        return LEVELS.index(text)


class StoredEnum(ma.fields.Enum):
    """An enum by value that also dumps the plain strings a JSON column keeps."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else self.enum(value).value


class StepSchema(Schema):
    kind = StoredEnum(StepKind, by_value=True, required=True)
    sector = ma.fields.String(
        allow_none=True,
        load_default=None,
        validate=ma.validate.OneOf(SIC_SECTIONS, error="Not a SIC 2007 section (A-U)."),
        metadata={"description": "SIC 2007 section; a role needs one."},
    )
    soc_minor_group = ma.fields.Integer(
        allow_none=True,
        load_default=None,
        metadata={"description": "A role's SOC 2020 minor group, such as 531.", "example": 531},
    )
    qualification_type = StoredEnum(
        QualificationType, by_value=True, allow_none=True, load_default=None
    )
    route = StoredEnum(Route, by_value=True, required=True)
    level = Level(required=True)
    start_year = ma.fields.Integer(
        required=True, validate=ma.validate.Range(min=1000, max=9999), metadata={"example": 2012}
    )
    end_year = ma.fields.Integer(
        allow_none=True,
        load_default=None,
        validate=ma.validate.Range(min=1000, max=9999),
        metadata={"description": "None while the step goes on."},
    )


SHARING = {
    "shared": "Opt-in: count this journey, anonymously, on the tube map and in answers.",
    "named": "Show the volunteer's name (and nothing else of theirs) with it on the tube "
    "map's lines and among the named journeys of answers; only when shared.",
}


class JourneySchema(Schema):
    id = ma.fields.UUID(allow_none=True, required=True, metadata={"description": "None: unsaved."})
    volunteer_id = ma.fields.UUID(required=True)
    steps = ma.fields.List(ma.fields.Nested(StepSchema), required=True)
    shared = ma.fields.Boolean(required=True, metadata={"description": SHARING["shared"]})
    named = ma.fields.Boolean(required=True, metadata={"description": SHARING["named"]})
    shared_at = Timestamp(allow_none=True, required=True)
    region = ma.fields.String(allow_none=True, required=True)
    start_level = Level(allow_none=True, required=True)
    reached_level = Level(allow_none=True, required=True)
    first_route = ma.fields.String(
        allow_none=True, required=True, metadata={"description": "The first route after school."}
    )
    updated_at = Timestamp(allow_none=True, required=True)


class JourneyUpdateSchema(Schema):
    steps = ma.fields.List(
        ma.fields.Nested(StepSchema), required=True, validate=ma.validate.Length(max=MAX_STEPS)
    )
    shared = ma.fields.Boolean(required=True, metadata={"description": SHARING["shared"]})
    named = ma.fields.Boolean(load_default=False, metadata={"description": SHARING["named"]})
    region = ma.fields.String(
        allow_none=True, load_default=None, validate=ma.validate.OneOf(REGIONS)
    )


class MapQueryArgsSchema(Schema):
    sector = ma.fields.String(
        validate=ma.validate.OneOf(SIC_SECTIONS), metadata={"description": "SIC 2007 section."}
    )
    start_level = Level(metadata={"description": "The journey's first step is at this level."})
    reached_level = Level(metadata={"description": "Some step is at this level or above."})
    route = ma.fields.Enum(Route, by_value=True)
    region = ma.fields.String(validate=ma.validate.OneOf(REGIONS))
    min_count = ma.fields.Integer(
        validate=ma.validate.Range(min=1, max=10_000),
        metadata={
            "description": "Journeys a line (or a route) needs to be shown; never below the "
            "server's floor (`TUBE_MAP_MIN_COUNT`, default 5), which is the default."
        },
    )


class FiltersSchema(Schema):
    sector = ma.fields.String(allow_none=True, required=True)
    start_level = Level(allow_none=True, required=True)
    reached_level = Level(allow_none=True, required=True)
    route = ma.fields.String(allow_none=True, required=True)
    region = ma.fields.String(allow_none=True, required=True)


class StationSchema(Schema):
    id = ma.fields.String(required=True, metadata={"example": "role-531-2"})
    kind = ma.fields.String(
        required=True,
        metadata={"enum": ["role", "role_group", "qualification", "qualification_group"]},
    )
    label = ma.fields.String(required=True, metadata={"description": "At most 44 characters."})
    title = ma.fields.String(required=True)
    level = Level(required=True)
    code = ma.fields.String(required=True, metadata={"description": "SOC code or type."})
    count = ma.fields.Integer(required=True, metadata={"description": "Journeys through it."})
    lines = ma.fields.List(ma.fields.String(), required=True)
    interchange = ma.fields.Boolean(required=True)


class LineSchema(Schema):
    id = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    colour = ma.fields.String(required=True, metadata={"example": "#DC241F"})
    count = ma.fields.Integer(required=True)
    stations = ma.fields.List(ma.fields.String(), required=True)
    first_route = ma.fields.String(allow_none=True, required=True)
    named = ma.fields.List(
        ma.fields.String(),
        required=True,
        metadata={"description": "Names of the people on this line who chose to be named."},
    )


class InterchangeSchema(Schema):
    station_id = ma.fields.String(required=True, attribute="id")
    lines = ma.fields.List(ma.fields.String(), required=True)


class TubeMapSchema(Schema):
    title = ma.fields.String(required=True)
    filters = ma.fields.Nested(FiltersSchema, required=True)
    journeys = ma.fields.Integer(required=True, metadata={"description": "Shared journeys."})
    min_count = ma.fields.Integer(required=True)
    stations = ma.fields.List(ma.fields.Nested(StationSchema), required=True)
    lines = ma.fields.List(ma.fields.Nested(LineSchema), required=True)
    interchanges = ma.fields.List(ma.fields.Nested(InterchangeSchema), required=True)


class RouteCountSchema(Schema):
    routes = ma.fields.List(ma.fields.String(), required=True)
    journeys = ma.fields.Integer(required=True)
    median_years = ma.fields.Float(allow_none=True, required=True)


class JourneysAnswerSchema(Schema):
    filters = ma.fields.Nested(FiltersSchema, required=True)
    min_count = ma.fields.Integer(required=True)
    journeys = ma.fields.Integer(required=True)
    median_years = ma.fields.Float(
        allow_none=True,
        required=True,
        metadata={"description": "From the first step to the level reached; none if few."},
    )
    began_with_apprenticeship = ma.fields.Integer(required=True)
    first_routes = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    routes = ma.fields.List(ma.fields.Nested(RouteCountSchema), required=True)


def _map_query(args: dict) -> dict:
    """The map's `filters` and `min_count` (never below the configured floor, so that no
    station or line can single someone out), as `tube_map.build` and `answer` take them."""
    floor = current_app.config["TUBE_MAP_MIN_COUNT"]
    min_count = args.pop("min_count", floor)
    if min_count < floor:
        raise InvalidInput(
            "That minimum could single someone out.",
            errors={"min_count": [f"At least {floor}."]},
        )
    return {"filters": tube_map.Filters(**args), "min_count": min_count}


@blp.route("/volunteers/<uuid:volunteer_id>/journey")
class VolunteerJourney(MethodView):
    @blp.reads(JourneySchema, scope="volunteers:read")
    def get(self, volunteer_id):
        """Read a volunteer's career journey (the volunteer, their employer's staff)"""
        return journeys.get(db.session, current_caller(), volunteer_id)

    @blp.updates(
        JourneySchema, body=JourneyUpdateSchema, current=journeys.get, scope="volunteers:write"
    )
    def put(self, journey, volunteer_id):
        """Record a volunteer's career journey and whether to share it"""
        return commit(journeys.replace, volunteer_id, **journey)

    @blp.deletes(JourneySchema, current=journeys.get, scope="volunteers:write")
    def delete(self, volunteer_id):
        """Erase a volunteer's career journey"""
        commit(journeys.delete, volunteer_id)


CSV_COLUMNS = ("email", *StepSchema().fields)
JOURNEYS_BODY = csv_body(
    CSV_COLUMNS,
    "email,kind,sector,soc_minor_group,qualification_type,route,level,start_year,end_year\n"
    "asha.patel@example.org,qualification,,,gcse,school,2,2010,2012\n"
    "asha.patel@example.org,role,F,531,,apprenticeship,3,2012,2016\n",
)


@blp.route("/employers/<uuid:employer_id>/journeys/import")
class EmployerJourneyImport(MethodView):
    @blp.imports(ImportResultSchema, csv=JOURNEYS_BODY, scope="volunteers:write")
    def post(self, employer_id):
        """Import the employer's volunteers' journeys from CSV (all rows or none)"""
        rows, parse_errors = parse_journey_csv(request_csv())
        result = journeys.import_(
            db.session, current_caller(), employer_id, rows, parse_errors=parse_errors
        )
        refuse_if_not_written(result)
        return result


def _answers_map_query(schema):
    """A read of the map's data for the map query: 200 with `schema` and its ETag."""

    def decorator(view):
        wrapper = blp.response(200, schema)(view)
        wrapper = blp.arguments(MapQueryArgsSchema, location="query")(wrapper)
        return blp.login_required("journeys:read")(blp.etag(wrapper))

    return decorator


@blp.route("/tube-map")
class TubeMap(MethodView):
    @_answers_map_query(TubeMapSchema)
    def get(self, args):
        """The Careers Tube Map as data: stations, lines and interchanges"""
        return tube_map.build(db.session, **_map_query(args))


@blp.route("/tube-map.svg")
class TubeMapPicture(MethodView):
    @blp.login_required("journeys:read")
    @blp.arguments(MapQueryArgsSchema, location="query")
    @blp.response(200, description="The tube map as an SVG picture.", content_type=SVG)
    def get(self, args):
        """The Careers Tube Map as a picture (SVG)"""
        graph = tube_map.build(db.session, **_map_query(args))
        return Response(
            tube_map_svg.render(graph), mimetype=SVG, headers={"Cache-Control": "private"}
        )


@blp.route("/journeys")
class Journeys(MethodView):
    @_answers_map_query(JourneysAnswerSchema)
    def get(self, args):
        """How many shared journeys match, how long they took and by which routes"""
        return tube_map.answer(db.session, **_map_query(args))


def parse_journey_csv(text: str) -> tuple[list[tuple[int, dict]], dict[int, dict]]:
    """Each CSV row as `(line, step with email)`; and the errors of rows that fail."""
    required = ("email", "kind", "route", "level", "start_year")
    rows, errors = read_rows(text, CSV_COLUMNS, required)
    schema = StepSchema()
    steps = []
    for line, cells in rows:
        email = cells.pop("email", "")
        data = {name: value for name, value in cells.items() if value != ""}
        try:
            steps.append((line, {"email": email, **schema.load(data)}))
        except ma.ValidationError as error:
            errors[line] = {k: [str(m) for m in v] for k, v in error.normalized_messages().items()}
    return steps, errors
