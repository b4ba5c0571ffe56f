"""An employer's impact over a school year: counts only, per volunteer and in total."""

import csv
import io
from datetime import time, timedelta

from sqlalchemy import select

from models.offer_requests import OfferRequest, RequestKind, RequestStatus, Side
from models.organisations import School
from models.users import Role
from services.school_years import label, london_today, school_year_start
from tests import factories


def impact_url(employer) -> str:
    return f"/api/v1/employers/{employer.id}/impact"


def delivered_world(session, world):
    """Two encounters delivered today for employer A (one 90 minutes long from a request,
    with two volunteers and head counts; one of unknown length with a register of two),
    one still to come, and one of another employer's."""
    today = london_today()
    employer, first = world.a.employer, world.a.volunteer
    second = factories.volunteer(session, employer)
    targeted = world.a.school  # 30% free school meals: disadvantaged
    targeted.combined_authority = "West Yorkshire"
    elsewhere = factories.school(session, name="Elsewhere")
    elsewhere.percentage_fsm = 12.0
    factories.encounter_offer(session, employer, target_combined_authorities=["West Yorkshire"])
    requested = factories.encounter(session, targeted, employer_=employer, on=today)
    requested.head_counts = {"10": 30, "11": 20}
    requested.volunteers = [first, second]
    session.add(
        OfferRequest(
            kind=RequestKind.OFFER,
            school_id=targeted.id,
            employer_id=employer.id,
            requested_by=Side.SCHOOL,
            activity="careers_talk",
            status=RequestStatus.SCHEDULED,
            date=today,
            starts_at=time(10, 0),
            ends_at=time(11, 30),
            encounter_id=requested.id,
        )
    )
    pupils = [factories.pupil(session, elsewhere, f"P{i}", year_group=9) for i in range(2)]
    recorded = factories.encounter(
        session, elsewhere, employer_=employer, on=today, pupils=tuple(pupils)
    )
    recorded.head_counts = {"9": 25}  # the register wins
    recorded.volunteers = [first]
    factories.encounter(session, targeted, employer_=employer, on=today + timedelta(days=30))
    factories.encounter(session, targeted, employer_=world.b.employer, on=today)
    session.commit()
    return first, second


def test_an_employers_impact_adds_up_on_a_hand_computed_case(client, session, world, auth_headers):
    first, second = delivered_world(session, world)
    headers = auth_headers(world.a.users[Role.EMPLOYER_STAFF])
    month = london_today().strftime("%Y-%m")

    response = client.get(impact_url(world.a.employer), headers=headers)

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["academic_year"] == label(school_year_start(london_today()))
    total = body["total"]
    assert {k: total[k] for k in total if not k.startswith(("by_", "pupils_by"))} == {
        "encounters": 2,
        "volunteer_hours": 3.0,  # 1.5 hours, two volunteers
        "encounters_of_unknown_length": 1,
        "pupils_reached": 52,  # 30 + 20 counted; 2 registered
        "pupils_in_disadvantaged_schools": 50,
        "disadvantaged_share": 0.9615,
        "pupils_in_target_areas": 50,
        "target_area_share": 0.9615,
    }
    assert total["by_month"] == [{"month": month, "encounters": 2, "volunteer_hours": 3.0}]
    assert total["pupils_by_year_group"] == {"9": 2, "10": 30, "11": 20}
    assert total["pupils_by_benchmark"] == {"5": 52}
    people = {v["volunteer_id"]: v for v in body["volunteers"]}
    assert (people[str(first.id)]["encounters"], people[str(first.id)]["volunteer_hours"]) == (
        2,
        1.5,
    )
    assert people[str(first.id)]["pupils_reached"] == 52
    assert (people[str(second.id)]["encounters"], people[str(second.id)]["pupils_reached"]) == (
        1,
        50,
    )
    assert "reference" not in response.get_data(as_text=True)  # never a pupil


def test_pupils_in_rural_schools_count_as_reached_in_a_target_area_when_an_offer_aims_there(
    client, session, world, auth_headers
):
    delivered_world(session, world)
    elsewhere = session.scalar(select(School).where(School.name == "Elsewhere"))
    elsewhere.urban_rural = "(England/Wales) Rural town and fringe"
    session.commit()
    headers = auth_headers(world.a.users[Role.EMPLOYER_STAFF])

    def in_target_areas():
        return client.get(impact_url(world.a.employer), headers=headers).get_json()["total"][
            "pupils_in_target_areas"
        ]

    before = in_target_areas()
    factories.encounter_offer(session, world.a.employer, target_rural=True)
    session.commit()

    assert (before, in_target_areas()) == (50, 52)  # and the 2 registered at the rural school


def test_the_impact_csv_is_one_row_per_figure(client, session, world, auth_headers):
    first, _ = delivered_world(session, world)
    headers = auth_headers(world.a.users[Role.EMPLOYER_STAFF])

    response = client.get(
        impact_url(world.a.employer), headers=headers, query_string={"format": "csv"}
    )

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    figure = {(r["volunteer_id"], r["measure"], r["category"]): r["value"] for r in rows}
    assert figure[("", "pupils_reached", "")] == "52"
    assert figure[("", "pupils", "Y10")] == "30"
    assert figure[("", "pupils", "benchmark 5")] == "52"
    assert figure[(str(first.id), "volunteer_hours", "")] == "1.5"
    assert figure[("", "target_area_share", "")] == "0.9615"


def test_only_the_employer_and_its_partner_app_read_its_impact(
    client, session, world, auth_headers
):
    def status(headers):
        return client.get(impact_url(world.a.employer), headers=headers).status_code

    app = factories.api_client(session, world.a.employer.id, ["reports:read"])
    session.commit()
    body = {
        "grant_type": "client_credentials",
        "client_id": app.client_id,
        "client_secret": factories.CLIENT_SECRET,
    }
    token = client.post("/api/v1/auth/token", json=body)

    assert status(auth_headers(world.a.users[Role.EMPLOYER_STAFF])) == 200
    assert status(auth_headers(world.platform_admin)) == 200
    assert status(auth_headers(world.b.users[Role.EMPLOYER_STAFF])) == 403
    assert status(auth_headers(world.a.users[Role.VOLUNTEER])) == 403
    assert status(auth_headers(world.a.users[Role.SCHOOL_STAFF])) == 403
    assert status({"Authorization": f"Bearer {token.get_json()['access_token']}"}) == 200
