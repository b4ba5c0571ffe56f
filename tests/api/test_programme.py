"""The careers programme through the API: plans, activities, coverage against the ledger,
roll-over, and the public statutory publication (what an activity becomes:
test_programme_activities.py)."""

from datetime import date

from sqlalchemy import select

from models.base import london_today
from models.outbox import OutboxEvent
from models.programme import ActivityStatus, PartnerType, PlanStatus, ProgrammePlan
from models.provider_access import ProviderAccessPolicy
from models.users import Role
from services import school_years
from tests import factories

NEXT = school_years.school_year_start(london_today()) + 1
YEAR = school_years.label(NEXT)


def plan_url(school, year=YEAR):
    return f"/api/v1/schools/{school.id}/programme/{year}"


def staff(world):
    return world.a.users[Role.SCHOOL_STAFF]


def test_school_starts_a_plan_and_plans_activities(client, world, auth_headers, session):
    school = world.a.school
    created = client.post(
        f"/api/v1/schools/{school.id}/programme",
        json={"academic_year": YEAR, "summary": "Every year group, every half-term"},
        headers=auth_headers(staff(world)),
    )
    assert created.status_code == 201, created.get_json()
    assert created.headers["Location"].endswith(plan_url(school))
    assert created.get_json()["status"] == "draft"

    again = client.post(
        f"/api/v1/schools/{school.id}/programme",
        json={"academic_year": YEAR},
        headers=auth_headers(staff(world)),
    )
    assert again.status_code == 409

    activity = client.post(
        plan_url(school) + "/activities",
        json={
            "title": "Careers fair",
            "year_group": 10,
            "half_term": 4,
            "benchmarks": [7, 5, 5],
            "partner_type": "employer",
            "responsible_staff": "Mr Head of Year",
            "target_pupils": 180,
        },
        headers=auth_headers(staff(world)),
    )
    assert activity.status_code == 201, activity.get_json()
    assert activity.get_json()["benchmarks"] == [5, 7]
    assert activity.get_json()["status"] == "planned"
    types = session.scalars(select(OutboxEvent.type).order_by(OutboxEvent.position)).all()
    assert types == ["programme_plan.created", "programme_activity.created"]


def test_bad_activities_are_refused_and_change_nothing(client, world, auth_headers, session):
    plan = factories.programme_plan(session, world.a.school)
    session.commit()
    for bad in (
        {"benchmarks": [9]},
        {"benchmarks": []},
        {"half_term": 7},
        {"year_group": 6},
        {"status": "requested"},
    ):
        body = {
            "title": "X",
            "year_group": 9,
            "half_term": 1,
            "benchmarks": [5],
            "target_pupils": 5,
        }
        response = client.post(
            plan_url(world.a.school) + "/activities",
            json={**body, **bad},
            headers=auth_headers(staff(world)),
        )
        assert response.status_code == 422, bad
        assert response.content_type == "application/problem+json"
    assert session.get(ProgrammePlan, plan.id).activities == []


def test_coverage_counts_planned_and_recorded_encounters_and_shows_gaps(
    client, world, auth_headers, session
):
    school = world.a.school
    plan = factories.programme_plan(session, school)
    factories.programme_activity(session, plan, year_group=9, benchmarks=[5, 6])
    factories.programme_activity(
        session, plan, year_group=10, benchmarks=[1], partner_type=PartnerType.NONE
    )
    factories.programme_activity(
        session, plan, year_group=11, benchmarks=[8], status=ActivityStatus.CANCELLED
    )
    pupil = factories.pupil(session, school, year_group=11)  # Y11 this year, Y12 next
    on = date(NEXT, 11, 5)
    factories.encounter(session, school, benchmark=8, on=on, pupils=(pupil,))
    factories.encounter(session, school, benchmark=5, on=on, year_groups=(9,), meaningful=False)
    factories.encounter(session, school, benchmark=5, on=date(NEXT - 1, 11, 5), year_groups=(7,))
    session.commit()

    response = client.get(plan_url(school) + "/coverage", headers=auth_headers(staff(world)))
    assert response.status_code == 200
    cells = {(c["year_group"], c["benchmark"]): c for c in response.get_json()["cells"]}
    assert len(cells) == 7 * 8
    assert cells[9, 5] == {
        "year_group": 9,
        "benchmark": 5,
        "planned": 1,
        "happened": 1,
        "meaningful": 0,
        "uncovered": False,
    }
    assert cells[9, 6]["planned"] == 1 and cells[9, 6]["happened"] == 0
    assert cells[10, 1]["planned"] == 1 and not cells[10, 1]["uncovered"]
    # The cancelled Y11 guidance plan does not count; the guidance the Y12 pupil had does.
    assert cells[11, 8] == {**cells[11, 8], "planned": 0, "happened": 0, "uncovered": True}
    assert cells[12, 8]["happened"] == 1 and cells[12, 8]["meaningful"] == 1
    assert not cells[12, 8]["uncovered"]
    assert cells[7, 5]["uncovered"]  # last year's encounter is not this plan's
    gaps = response.get_json()["gaps"]
    assert {"year_group": 11, "benchmark": 8} in gaps
    assert {"year_group": 9, "benchmark": 5} not in gaps
    assert len(gaps) == 56 - 4

    coordinator = client.get(
        plan_url(school) + "/coverage", headers=auth_headers(world.a.users[Role.COORDINATOR])
    )
    assert coordinator.status_code == 200  # coordinators see the gaps they can help with


def test_roll_over_copies_the_plan_into_next_year_as_a_draft(client, world, auth_headers, session):
    plan = factories.programme_plan(
        session, world.a.school, summary="S", next_review_on=date(NEXT + 1, 7, 1)
    )
    plan.status = PlanStatus.PUBLISHED
    kept = factories.programme_activity(session, plan, title="Kept", status=ActivityStatus.DONE)
    factories.programme_activity(session, plan, title="Dropped", status=ActivityStatus.CANCELLED)
    session.commit()
    response = client.post(
        plan_url(world.a.school) + "/roll-over", headers=auth_headers(staff(world))
    )
    assert response.status_code == 201, response.get_json()
    rolled = response.get_json()
    assert rolled["academic_year"] == school_years.label(NEXT + 1)
    assert rolled["status"] == "draft" and rolled["summary"] == "S"
    assert rolled["next_review_on"] == f"{NEXT + 2}-07-01"
    activities = client.get(
        plan_url(world.a.school, school_years.label(NEXT + 1)) + "/activities",
        headers=auth_headers(staff(world)),
    ).get_json()
    assert [(a["title"], a["status"], a["need_id"]) for a in activities] == [
        ("Kept", "planned", None)
    ]
    assert kept.id != activities[0]["id"]
    again = client.post(plan_url(world.a.school) + "/roll-over", headers=auth_headers(staff(world)))
    assert again.status_code == 409


def test_the_publication_is_public_and_holds_no_pupil_data(client, world, auth_headers, session):
    school = world.a.school
    plan = factories.programme_plan(
        session,
        school,
        summary="Our careers programme",
        impact_measures="Compass each term",
        access_parents="Parents' evenings and the newsletter",
        next_review_on=date(NEXT + 1, 7, 1),
    )
    factories.programme_activity(session, plan, title="Year 9 careers talks")
    factories.pupil(session, school, reference="SECRET-PUPIL-REF")
    session.commit()
    url = f"/api/v1/schools/{school.id}/careers-programme"
    assert client.get(url).status_code == 404  # a draft is not published

    incomplete = client.post(plan_url(school) + "/publish", headers=auth_headers(staff(world)))
    assert incomplete.status_code == 422
    assert "careers_leader" in incomplete.get_json()["errors"]
    school.careers_leader_name, school.careers_leader_email = "Ms Lead", "lead@example.org"
    session.commit()
    published = client.post(plan_url(school) + "/publish", headers=auth_headers(staff(world)))
    assert published.status_code == 200 and published.get_json()["status"] == "published"

    document = client.get(url)  # anonymous
    assert document.status_code == 200
    body = document.get_json()
    assert body["careers_leader"] == {"name": "Ms Lead", "email": "lead@example.org", "phone": None}
    assert body["programme"][0]["activities"][0]["title"] == "Year 9 careers talks"
    assert body["provider_access_policy"]["status"] == "not yet published"
    page = client.get(url + ".html")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "Ms Lead" in html and "Parents&#39; evenings" in html
    assert "not yet published" in html and "<script" not in html
    assert "SECRET-PUPIL-REF" not in html and "SECRET-PUPIL-REF" not in document.get_data(
        as_text=True
    )

    school.provider_access_policy_url = "https://school.example.org/pal"
    session.add(
        ProviderAccessPolicy(
            school_id=school.id,
            version=1,
            procedure="Write to the careers leader.",
            grant_criteria="Every approved provider is offered a slot.",
            premises="The main hall.",
            contact_name="Ms Lead",
            contact_email="lead@example.org",
        )
    )
    session.commit()
    policy = client.get(url).get_json()["provider_access_policy"]
    assert policy["status"] == "published" and policy["url"].endswith("/pal")
    assert "Write to the careers leader." in policy["text"] and "Version 1" in policy["text"]
    assert "Every approved provider" in client.get(url + ".html").get_data(as_text=True)


def test_patch_needs_the_current_etag(client, world, auth_headers, session):
    factories.programme_plan(session, world.a.school)
    session.commit()
    headers = auth_headers(staff(world))
    stale = client.patch(
        plan_url(world.a.school), json={"summary": "x"}, headers={**headers, "If-Match": '"0"'}
    )
    assert stale.status_code == 412
    etag = client.get(plan_url(world.a.school), headers=headers).headers["ETag"]
    ok = client.patch(
        plan_url(world.a.school), json={"summary": "x"}, headers={**headers, "If-Match": etag}
    )
    assert ok.status_code == 200 and ok.get_json()["summary"] == "x"
