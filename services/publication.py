"""The statutory publication of a school's careers programme (JSON and an HTML page).

What the statutory guidance asks a school to publish: the careers leader's name and
contact details; a summary of the programme, by year group, and how pupils, parents,
teachers and employers find out about it; how the school measures its impact; the date of
the next review; and the provider access policy statement. It is public and holds no
pupil data: the newest *published* plan is what it shows.
"""

import uuid
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.organisations import School
from models.programme import ActivityStatus, PlanStatus, ProgrammePlan
from services import benchmarks, provider_access, school_years
from services.errors import NotFound

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
HALF_TERM_NAMES = {
    1: "Autumn 1",
    2: "Autumn 2",
    3: "Spring 1",
    4: "Spring 2",
    5: "Summer 1",
    6: "Summer 2",
}
NOT_YET_PUBLISHED = "not yet published"


def provider_access_policy(session: Session, school: School) -> dict:
    """The school's current provider access policy statement (services.provider_access,
    its newest version), with the link the school keeps on its profile; else the link
    alone; else "not yet published"."""
    policy = provider_access.get_policy(session, school_id=school.id)
    url = school.provider_access_policy_url
    if policy is None:
        return {"status": "published" if url else NOT_YET_PUBLISHED, "url": url, "text": None}
    contact = ", ".join(
        part for part in (policy.contact_name, policy.contact_email, policy.contact_phone) if part
    )
    text = (
        f"How providers ask to meet our pupils: {policy.procedure} "
        f"How we grant requests: {policy.grant_criteria} "
        f"Premises and facilities: {policy.premises} Contact: {contact}. "
        f"(Version {policy.version}, published {policy.published_at:%-d %B %Y}.)"
    )
    return {"status": "published", "url": url, "text": text}


def get(session: Session, school_id: uuid.UUID) -> dict:
    """Anyone may read it (it is what the school puts on its website)."""
    school = session.get(School, school_id)
    if school is None:
        raise NotFound("No such school.")
    plan = session.scalar(
        select(ProgrammePlan)
        .where(ProgrammePlan.school_id == school.id, ProgrammePlan.status == PlanStatus.PUBLISHED)
        .order_by(ProgrammePlan.academic_year.desc())
        .limit(1)
    )
    if plan is None:
        raise NotFound("The school has not published its careers programme yet.")
    return _document(session, school, plan)


def _document(session: Session, school: School, plan: ProgrammePlan) -> dict:
    by_year: dict[int, list[dict]] = {}
    for activity in plan.activities:
        if activity.status is ActivityStatus.CANCELLED:
            continue
        by_year.setdefault(activity.year_group, []).append(
            {
                "title": activity.title,
                "half_term": activity.half_term,
                "half_term_name": HALF_TERM_NAMES[activity.half_term],
                "benchmarks": activity.benchmarks,
                "partner_type": activity.partner_type.value,
            }
        )
    return {
        "school_id": school.id,
        "school_name": school.name,
        "urn": school.urn,
        "academic_year": school_years.label(plan.academic_year),
        "careers_leader": {
            "name": school.careers_leader_name,
            "email": school.careers_leader_email,
            "phone": school.careers_leader_phone,
        },
        "summary": plan.summary,
        "programme": [
            {"year_group": yg, "activities": items} for yg, items in sorted(by_year.items())
        ],
        "access": {
            "pupils": plan.access_pupils,
            "parents": plan.access_parents,
            "teachers": plan.access_teachers,
            "employers": plan.access_employers,
        },
        "impact_measures": plan.impact_measures,
        "next_review_on": plan.next_review_on,
        "published_at": plan.published_at,
        "provider_access_policy": provider_access_policy(session, school),
    }


def render_html(document: dict) -> str:
    return TEMPLATES.get_template("publication.html.j2").render(
        doc=document, benchmark_names=benchmarks.GATSBY_TITLES
    )
