"""Adviser pairing through the API: plan, explain, confirm (all or some), and who may;
what a school's benchmark report (its weakest benchmarks, its priority) does to the plan."""

from datetime import timedelta

import pytest

from models.base import london_today
from models.pairings import AdviserAssignment
from models.users import Role
from services import benchmarks, school_years
from tests import factories


def url(hub, *rest):
    return "/".join([f"/api/v1/hubs/{hub.id}/adviser-pairings", *map(str, rest)])


def factor(pair: dict, name: str) -> float:
    return next(f["value"] for f in pair["breakdown"] if f["factor"] == name)


def one_pupil_meeting(session, school, *benchmarks_met: int) -> None:
    """A pupil on roll this year who meets exactly `benchmarks_met` (of 5 and 8)."""
    pupil = factories.pupil(session, school, reference=f"P-{school.urn}")
    for benchmark in benchmarks_met:
        factories.encounter(
            session, school, benchmark=benchmark, on=london_today(), pupils=(pupil,)
        )


def test_plan_explain_and_confirm(client, world, session, auth_headers):
    second = factories.school(session, hub=world.a.hub, name="School A2")
    second.percentage_fsm = 45.0
    far = factories.school(session, hub=world.a.hub, name="Far School")
    far.latitude, far.longitude = 51.5, -0.12  # London: out of reach
    session.commit()
    coordinator = auth_headers(world.a.users[Role.COORDINATOR])

    response = client.post(url(world.a.hub), headers=coordinator)
    assert response.status_code == 201, response.get_json()
    plan = response.get_json()
    assert plan["status"] == "proposed"
    assert len(plan["pairs"]) == 1  # one adviser with room for one school
    pair = plan["pairs"][0]
    assert pair["adviser_id"] == str(world.a.adviser.id)
    assert pair["school_id"] == str(second.id)  # the higher-priority school wins the tie
    assert abs(sum(f["contribution"] for f in pair["breakdown"]) - pair["score"]) < 1e-4
    assert plan["solver"] == "min_cost_flow" and plan["total_score"] == pair["score"]
    # No pupil records: the default focus (1, 5, 6), of which "strategy" covers one.
    assert factor(pair, "expertise") == pytest.approx(1 / 3, abs=1e-6)
    reasons = {s["name"]: s["reason"] for s in plan["unpaired_schools"]}
    assert "no adviser with capacity within 40 km" in reasons["Far School"]
    assert "better placed" in reasons["School A"]
    assert plan["unpaired_advisers"] == []

    read = client.get(url(world.a.hub, plan["id"]), headers=coordinator)
    assert read.status_code == 200 and read.get_json()["id"] == plan["id"]

    confirmed = client.post(url(world.a.hub, plan["id"], "confirm"), json={}, headers=coordinator)
    assert confirmed.status_code == 201, confirmed.get_json()
    [assignment] = confirmed.get_json()
    assert assignment["school_id"] == str(second.id) and assignment["hours_logged"] == 0
    again = client.post(url(world.a.hub, plan["id"], "confirm"), json={}, headers=coordinator)
    assert again.status_code == 422  # nothing left to confirm

    replanned = client.post(url(world.a.hub), headers=coordinator).get_json()
    assert replanned["pairs"] == []
    [busy] = replanned["unpaired_advisers"]
    assert busy["reason"] == "already serving as many schools as they offered"
    assert session.query(AdviserAssignment).count() == 1


def test_confirm_only_pairs_from_the_plan(client, world, session, auth_headers):
    coordinator = auth_headers(world.a.users[Role.COORDINATOR])
    plan = client.post(url(world.a.hub), headers=coordinator).get_json()
    stranger = {"adviser_id": str(world.b.adviser.id), "school_id": str(world.a.school.id)}
    response = client.post(
        url(world.a.hub, plan["id"], "confirm"), json={"pairs": [stranger]}, headers=coordinator
    )
    assert response.status_code == 422
    none = client.post(
        url(world.a.hub, plan["id"], "confirm"), json={"pairs": []}, headers=coordinator
    )
    assert none.status_code == 422
    assert "pairs" in none.get_json()["errors"]
    past = client.post(
        url(world.a.hub, plan["id"], "confirm"),
        json={"starts_on": (london_today() - timedelta(days=1)).isoformat()},
        headers=coordinator,
    )
    assert past.status_code == 422
    assert list(past.get_json()["errors"]) == ["starts_on"]
    assert session.query(AdviserAssignment).count() == 0


def test_a_stale_plan_is_refused(client, world, session, auth_headers):
    coordinator = auth_headers(world.a.users[Role.COORDINATOR])
    first = client.post(url(world.a.hub), headers=coordinator).get_json()
    second = client.post(url(world.a.hub), headers=coordinator).get_json()
    assert (
        client.post(
            url(world.a.hub, first["id"], "confirm"), json={}, headers=coordinator
        ).status_code
        == 201
    )
    stale = client.post(url(world.a.hub, second["id"], "confirm"), json={}, headers=coordinator)
    assert stale.status_code == 409


def test_only_the_hubs_coordinators_and_admins_plan(client, world, auth_headers):
    assert (
        client.post(url(world.a.hub), headers=auth_headers(world.platform_admin)).status_code == 201
    )
    assert (
        client.post(
            url(world.a.hub), headers=auth_headers(world.b.users[Role.COORDINATOR])
        ).status_code
        == 404
    )
    assert (
        client.post(
            url(world.a.hub), headers=auth_headers(world.a.users[Role.SCHOOL_STAFF])
        ).status_code
        == 403
    )
    assert (
        client.post(
            url(world.a.hub), headers=auth_headers(world.a.users[Role.VOLUNTEER])
        ).status_code
        == 404
    )


@pytest.mark.parametrize("guided_first", [True, False])
def test_an_adviser_goes_where_their_expertise_meets_the_weakest_benchmarks(
    client, world, session, auth_headers, guided_first
):
    # Each school's one pupil meets one benchmark: BM5 (employers) at one, BM8 (guidance)
    # at the other. Priorities tie; an employer-engagement adviser (BM5, BM6) belongs
    # where BM5 is among the weakest, whichever school that is.
    first, second = world.a.school, factories.school(session, hub=world.a.hub, name="School A2")
    guided, employers_met = (first, second) if guided_first else (second, first)
    one_pupil_meeting(session, employers_met, 5)
    one_pupil_meeting(session, guided, 8)
    world.a.adviser.expertise = ["employer_engagement"]
    session.commit()

    plan = client.post(url(world.a.hub), headers=auth_headers(world.a.users[Role.COORDINATOR]))
    assert plan.status_code == 201, plan.get_json()
    [pair] = plan.get_json()["pairs"]
    assert pair["school_id"] == str(guided.id)
    assert factor(pair, "expertise") == pytest.approx(2 / 3, abs=1e-6)  # BM5, BM6 of 5, 6, 7
    [left] = plan.get_json()["unpaired_schools"]
    assert left["school_id"] == str(employers_met.id) and "better placed" in left["reason"]


def test_the_school_with_wider_benchmark_gaps_comes_first(client, world, session, auth_headers):
    # Same focus for a "strategy" adviser (BM1 is in neither school's weakest), same
    # distance: the priority from the report decides, not the free-school-meals share.
    covered = world.a.school
    gappy = factories.school(session, hub=world.a.hub, name="School A2")
    one_pupil_meeting(session, covered, 5, 8)
    one_pupil_meeting(session, gappy, 5)
    covered.percentage_fsm, gappy.percentage_fsm = 60.0, 5.0
    session.commit()

    plan = client.post(url(world.a.hub), headers=auth_headers(world.a.users[Role.COORDINATOR]))
    assert plan.status_code == 201, plan.get_json()
    [pair] = plan.get_json()["pairs"]
    assert pair["school_id"] == str(gappy.id)
    this_year = school_years.school_year_start(london_today())
    assert factor(pair, "priority") == benchmarks.school_priority(session, gappy.id, this_year)
    assert factor(pair, "priority") > benchmarks.school_priority(session, covered.id, this_year)
    assert factor(pair, "expertise") == 0


def test_a_pair_serving_now_is_not_planned_again(client, world, session, auth_headers):
    # The adviser has room for a second school; the school they serve has a place left and
    # would fit best, but the same two are never paired twice.
    world.a.adviser.school_capacity = 2
    other = factories.school(session, hub=world.a.hub, name="School A2")
    other.percentage_fsm = 0.0
    session.add(
        AdviserAssignment(
            adviser_id=world.a.adviser.id,
            school_id=world.a.school.id,
            hub_id=world.a.hub.id,
            starts_on=london_today(),
        )
    )
    session.commit()

    plan = client.post(url(world.a.hub), headers=auth_headers(world.a.users[Role.COORDINATOR]))
    assert plan.status_code == 201, plan.get_json()
    assert [p["school_id"] for p in plan.get_json()["pairs"]] == [str(other.id)]
    [left] = plan.get_json()["unpaired_schools"]
    assert left["school_id"] == str(world.a.school.id)


def test_some_pairs_are_confirmed_now_and_the_rest_later(client, world, session, auth_headers):
    second = factories.adviser(session, factories.volunteer(session, world.a.employer), world.a.hub)
    session.commit()
    coordinator = auth_headers(world.a.users[Role.COORDINATOR])
    plan = client.post(url(world.a.hub), headers=coordinator).get_json()
    assert (
        len(plan["pairs"]) == 2
    )  # both to School A, which takes two and not any(p["confirmed"] for p in plan["pairs"])
    first, later = plan["pairs"]
    confirm = url(world.a.hub, plan["id"], "confirm")

    def named(pair):
        return {"pairs": [{"adviser_id": pair["adviser_id"], "school_id": pair["school_id"]}]}

    now = client.post(confirm, json=named(first), headers=coordinator)
    read = client.get(url(world.a.hub, plan["id"]), headers=coordinator).get_json()
    twice = client.post(confirm, json=named(first), headers=coordinator)
    rest = client.post(confirm, json={}, headers=coordinator)
    done = client.get(url(world.a.hub, plan["id"]), headers=coordinator).get_json()

    assert now.status_code == 201, now.get_json()
    [assignment] = now.get_json()
    assert read["status"] == "proposed"
    shown = {(p["adviser_id"], p["school_id"]): p for p in read["pairs"]}
    assert shown[first["adviser_id"], first["school_id"]]["assignment_id"] == assignment["id"]
    assert shown[first["adviser_id"], first["school_id"]]["confirmed"] is True
    assert shown[later["adviser_id"], later["school_id"]]["confirmed"] is False
    assert twice.status_code == 409
    assert rest.status_code == 201
    assert [(a["adviser_id"], a["school_id"]) for a in rest.get_json()] == [
        (later["adviser_id"], later["school_id"])
    ]
    assert done["status"] == "confirmed" and done["confirmed_at"]
    assert all(p["confirmed"] for p in done["pairs"])
    assert {str(second.id), str(world.a.adviser.id)} == {p["adviser_id"] for p in done["pairs"]}


def test_a_hubs_plans_are_listed_newest_first_for_its_coordinators(
    client, world, session, auth_headers
):
    coordinator = auth_headers(world.a.users[Role.COORDINATOR])
    first = client.post(url(world.a.hub), headers=coordinator).get_json()
    second = client.post(url(world.a.hub), headers=coordinator).get_json()

    listed = client.get(url(world.a.hub), headers=coordinator)
    foreign = client.get(url(world.a.hub), headers=auth_headers(world.b.users[Role.COORDINATOR]))
    school = client.get(url(world.a.hub), headers=auth_headers(world.a.users[Role.SCHOOL_STAFF]))

    assert listed.status_code == 200
    assert [p["id"] for p in listed.get_json()] == [second["id"], first["id"]]
    assert foreign.status_code == 404
    assert school.status_code == 200 and school.get_json() == []


def test_each_pair_is_explained_and_an_empty_plan_runs_no_solver(
    client, world, session, auth_headers
):
    one_pupil_meeting(session, world.a.school, 8)  # BM5 is among its weakest
    world.a.adviser.expertise = ["employer_engagement", "finance"]
    world.a.volunteer.sectors = ["F", "J"]
    factories.need(session, world.a.school, sectors=["F"])  # its needs ask for construction
    session.commit()
    coordinator = auth_headers(world.a.users[Role.COORDINATOR])

    [pair] = client.post(url(world.a.hub), headers=coordinator).get_json()["pairs"]
    world.a.adviser.status = "paused"
    session.commit()
    empty = client.post(url(world.a.hub), headers=coordinator)

    assert pair["distance_km"] == 1  # Leeds: the adviser lives 0.5 km from the school
    assert pair["matched_sectors"] == ["F"]
    assert pair["matched_expertise"] == ["employer_engagement"]
    assert 5 in pair["weakest_benchmarks"] and 8 not in pair["weakest_benchmarks"]
    assert pair["explanation"].startswith("1 km away; expertise in employer engagement")
    assert "(F)" in pair["explanation"] and "weakest benchmarks are" in pair["explanation"]
    assert empty.status_code == 201
    assert (empty.get_json()["pairs"], empty.get_json()["solver"]) == ([], "none")
