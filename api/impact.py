"""An employer's impact over a school year, for its own staff and partner apps: encounters
delivered and volunteers' hours by month, pupils reached by year group and benchmark, and
the shares in disadvantaged schools and target areas, per volunteer and in total. Counts
only, never a pupil. JSON, or CSV with `format=csv` or `Accept: text/csv`."""

import marshmallow as ma
from flask.views import MethodView

from api.benchmarks import ReportQueryArgsSchema, report_for_year
from api.downloads import csv_doc, csv_response, wants_csv
from api.smorest import Blueprint, Schema
from services import impact

blp = Blueprint(
    "impact", __name__, url_prefix="/api/v1", description="An employer's reach and impact."
)

CSV_RESPONSE = csv_doc(impact.CSV_COLUMNS)
SHARE = {"description": "Of the pupils reached (none when no pupil was)."}


class MonthSchema(Schema):
    month = ma.fields.String(required=True, metadata={"description": "YYYY-MM."})
    encounters = ma.fields.Integer(required=True)
    volunteer_hours = ma.fields.Float(required=True)


class TallySchema(Schema):
    encounters = ma.fields.Integer(required=True, metadata={"description": "Delivered."})
    volunteer_hours = ma.fields.Float(
        required=True, metadata={"description": "The scheduled length, for each volunteer."}
    )
    encounters_of_unknown_length = ma.fields.Integer(
        required=True, metadata={"description": "Counted, but no hours: nothing says how long."}
    )
    pupils_reached = ma.fields.Integer(
        required=True,
        metadata={"description": "Registered attendances (head counts where no register)."},
    )
    pupils_in_disadvantaged_schools = ma.fields.Integer(required=True)
    disadvantaged_share = ma.fields.Float(allow_none=True, required=True, metadata=SHARE)
    pupils_in_target_areas = ma.fields.Integer(required=True)
    target_area_share = ma.fields.Float(allow_none=True, required=True, metadata=SHARE)
    by_month = ma.fields.List(ma.fields.Nested(MonthSchema), required=True)
    pupils_by_year_group = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.Integer(), required=True
    )
    pupils_by_benchmark = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.Integer(), required=True
    )


class VolunteerImpactSchema(TallySchema):
    volunteer_id = ma.fields.UUID(required=True)
    name = ma.fields.String(required=True)


class ImpactSchema(Schema):
    employer_id = ma.fields.UUID(required=True)
    academic_year = ma.fields.String(required=True)
    starts_on = ma.fields.Date(required=True)
    ends_on = ma.fields.Date(required=True, metadata={"description": "Today, for this year."})
    total = ma.fields.Nested(TallySchema, required=True)
    volunteers = ma.fields.List(ma.fields.Nested(VolunteerImpactSchema), required=True)


def _tally(tally: impact.Tally) -> dict:
    return {
        **impact.summary(tally),
        "by_month": [
            {"month": month, **counts} for month, counts in sorted(tally.by_month.items())
        ],
        "pupils_by_year_group": {str(y): n for y, n in sorted(tally.pupils_by_year_group.items())},
        "pupils_by_benchmark": {str(b): n for b, n in sorted(tally.pupils_by_benchmark.items())},
    }


@blp.route("/employers/<uuid:employer_id>/impact")
class EmployerImpact(MethodView):
    @blp.reports(ImpactSchema, query=ReportQueryArgsSchema, csv=CSV_RESPONSE)
    def get(self, args, employer_id):
        """Your employer's impact over a school year, per volunteer and in total (counts only)"""
        found = report_for_year(impact.get, args, employer_id)
        if wants_csv(args):
            name = f"impact-{found.academic_year}"
            return csv_response(impact.csv_rows(found), name, impact.CSV_COLUMNS)
        return {
            "employer_id": found.employer.id,
            "academic_year": found.academic_year,
            "starts_on": found.starts_on,
            "ends_on": found.ends_on,
            "total": _tally(found.total),
            "volunteers": [
                {"volunteer_id": v.volunteer_id, "name": v.name, **_tally(v.tally)}
                for v in found.volunteers
            ],
        }
