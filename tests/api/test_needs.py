"""Needs through the API: posting, reading, changing, cancelling; ranked candidates and
a volunteer's opportunities."""

from datetime import date, time, timedelta

import pytest

from models.base import london_today
from models.needs import NeedStatus
from models.organisations import ProviderType
from models.pupils import school_year_start
from models.users import Role
from services import benchmarks
from tests import factories

NEEDS = "/api/v1/needs"


def body(world, **values):
    starts = london_today() + timedelta(days=7)
    return {
        "school_id": str(world.a.school.id),
        "title": "Careers talk",
        "activity_type": "careers_talk",
        "benchmark": 5,
        "year_groups": [9, 10],
        "pupils": 60,
        "mode": "in_person",
        "starts_on": starts.isoformat(),
        "ends_on": (starts + timedelta(days=21)).isoformat(),
        **values,
    }


def post(client, auth_headers, user, payload):
    return client.post(NEEDS, json=payload, headers=auth_headers(user))


def test_school_staff_post_read_and_list_a_need(client, world, auth_headers):
    staff = world.a.users[Role.SCHOOL_STAFF]
    response = post(client, auth_headers, staff, body(world, sectors=["F", "F"], topics=["STEM"]))
    assert response.status_code == 201, response.get_json()
    need = response.get_json()
    assert need["status"] == "open"
    assert need["sectors"] == ["F"]
    assert need["school"]["id"] == str(world.a.school.id)
    assert need["safeguarding"]["level"] == "none"

    read = client.get(f"{NEEDS}/{need['id']}", headers=auth_headers(staff))
    assert read.status_code == 200 and "ETag" in read.headers
    listed = client.get(NEEDS, headers=auth_headers(staff)).get_json()
    assert [n["id"] for n in listed] == [need["id"]]
    assert (
        client.get(NEEDS, headers=auth_headers(world.b.users[Role.SCHOOL_STAFF])).get_json() == []
    )


def test_regulated_mentoring_needs_an_enhanced_check(client, world, auth_headers):
    payload = body(world, activity_type="mentoring", supervised=False, frequency="weekly")
    need = post(client, auth_headers, world.a.users[Role.SCHOOL_STAFF], payload).get_json()
    assert need["safeguarding"]["level"] == "enhanced_dbs_with_barred_list"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"ends_on": "2020-01-01", "starts_on": "2020-02-01"}, "ends_on"),
        ({"benchmark": 6}, "benchmark"),
        ({"activity_type": "job_shadowing"}, "benchmark"),
        ({"earliest_time": "13:00", "latest_time": "09:00"}, "latest_time"),
        ({"year_groups": [6]}, "year_groups"),
        ({"status": "matched"}, "status"),
    ],
)
def test_invalid_needs_are_422(client, world, auth_headers, values, field):
    response = post(client, auth_headers, world.a.users[Role.SCHOOL_STAFF], body(world, **values))
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_only_the_school_side_posts(client, world, auth_headers):
    coordinator = world.a.users[Role.COORDINATOR]
    assert post(client, auth_headers, coordinator, body(world)).status_code == 201
    for user in (world.b.users[Role.SCHOOL_STAFF], world.b.users[Role.COORDINATOR]):
        assert post(client, auth_headers, user, body(world)).status_code == 403
    assert post(client, auth_headers, world.a.users[Role.VOLUNTEER], body(world)).status_code == 403


def test_foreign_needs_are_404(client, world, session, auth_headers):
    need = factories.need(session, world.b.school)
    session.commit()
    for role in (Role.SCHOOL_STAFF, Role.COORDINATOR, Role.VOLUNTEER, Role.EMPLOYER_STAFF):
        response = client.get(f"{NEEDS}/{need.id}", headers=auth_headers(world.a.users[role]))
        assert response.status_code == 404


def test_patch_with_etag_and_only_while_open(client, world, session, auth_headers):
    need = factories.need(session, world.a.school)
    session.commit()
    headers = auth_headers(world.a.users[Role.SCHOOL_STAFF])
    etag = client.get(f"{NEEDS}/{need.id}", headers=headers).headers["ETag"]
    response = client.patch(
        f"{NEEDS}/{need.id}", json={"pupils": 90}, headers={**headers, "If-Match": etag}
    )
    assert response.status_code == 200 and response.get_json()["pupils"] == 90
    stale = client.patch(
        f"{NEEDS}/{need.id}", json={"pupils": 10}, headers={**headers, "If-Match": etag}
    )
    assert stale.status_code == 412

    assert client.post(f"{NEEDS}/{need.id}/cancel", headers=headers).status_code == 200
    assert client.post(f"{NEEDS}/{need.id}/cancel", headers=headers).status_code == 409
    etag = client.get(f"{NEEDS}/{need.id}", headers=headers).headers["ETag"]
    closed = client.patch(
        f"{NEEDS}/{need.id}", json={"pupils": 10}, headers={**headers, "If-Match": etag}
    )
    assert closed.status_code == 409


def test_candidates_are_ranked_explained_and_exclusions_counted(
    client, world, session, auth_headers
):
    need = factories.need(session, world.a.school)
    factories.volunteer(session, world.a.employer, modes=["virtual"])  # wrong mode
    factories.volunteer(session, world.a.employer, travel_radius_km=0, latitude=53.9)  # too far
    factories.volunteer(session, world.b.employer, latitude=53.80, longitude=-1.55)
    session.commit()
    response = client.get(
        f"{NEEDS}/{need.id}/candidates", headers=auth_headers(world.a.users[Role.SCHOOL_STAFF])
    )
    assert response.status_code == 200, response.get_json()
    page = response.get_json()
    assert page["total"] == 3 == len(page["items"])
    assert page["excluded"]["wrong_mode"] == 1
    assert page["excluded"]["out_of_range"] == 1
    scores = [item["score"] for item in page["items"]]
    assert scores == sorted(scores, reverse=True)
    for item in page["items"]:
        assert sum(f["contribution"] for f in item["breakdown"]) == pytest.approx(
            item["score"], abs=1e-4
        )
        assert item["volunteer"]["employer"]["name"]
    assert "X-Pagination" in response.headers


def test_candidates_exclude_the_unsafe_for_regulated_activity(client, world, session, auth_headers):
    need = factories.need(
        session, world.a.school, activity_type="mentoring", supervised=False, frequency="weekly"
    )
    world.b.volunteer.dbs_issued_on = london_today() - timedelta(days=4 * 365)
    session.commit()
    page = client.get(
        f"{NEEDS}/{need.id}/candidates", headers=auth_headers(world.a.users[Role.COORDINATOR])
    ).get_json()
    assert page["excluded"]["safeguarding"] == 1
    assert [i["volunteer"]["id"] for i in page["items"]] == [str(world.a.volunteer.id)]


def test_candidates_are_for_the_school_side(client, world, session, auth_headers):
    need = factories.need(session, world.a.school)
    session.commit()
    url = f"{NEEDS}/{need.id}/candidates"
    assert (
        client.get(url, headers=auth_headers(world.b.users[Role.SCHOOL_STAFF])).status_code == 404
    )
    assert client.get(url, headers=auth_headers(world.platform_admin)).status_code == 200


def test_a_volunteer_sees_opportunities_ranked(client, world, session, auth_headers):
    near = factories.need(session, world.a.school, title="Near")
    factories.need(session, world.b.school, title="Also near", sectors=["J"])
    factories.need(session, world.a.school, title="Virtual only", mode="virtual")
    closed = factories.need(session, world.a.school, title="Closed")
    closed.status = NeedStatus.CANCELLED
    session.commit()
    volunteer = world.a.volunteer
    response = client.get(
        f"/api/v1/volunteers/{volunteer.id}/opportunities",
        headers=auth_headers(world.a.users[Role.VOLUNTEER]),
    )
    assert response.status_code == 200, response.get_json()
    page = response.get_json()
    titles = [item["need"]["title"] for item in page["items"]]
    assert titles == ["Near", "Also near"]  # the sector asked for (J) is not the volunteer's
    assert page["excluded"]["wrong_mode"] == 1
    assert page["items"][0]["need"]["id"] == str(near.id)
    other = client.get(
        f"/api/v1/volunteers/{volunteer.id}/opportunities",
        headers=auth_headers(world.a.users[Role.SCHOOL_STAFF]),
    )
    assert other.status_code == 403


def test_load_and_variety_come_from_recent_matches(client, world, session, auth_headers):
    from models.matches import MatchStatus

    need = factories.need(session, world.a.school)
    busy = world.b.volunteer
    for _ in range(4):  # four commitments this month: at the limit
        other = factories.need(session, world.b.school)
        factories.match(session, other, busy, MatchStatus.ACCEPTED)
    asked = factories.volunteer(session, world.a.employer)
    factories.match(session, factories.need(session, world.b.school), asked, MatchStatus.DECLINED)
    session.commit()
    page = client.get(
        f"{NEEDS}/{need.id}/candidates", headers=auth_headers(world.a.users[Role.SCHOOL_STAFF])
    ).get_json()
    assert page["excluded"]["at_monthly_limit"] == 1
    fairness = {
        item["volunteer"]["id"]: next(f for f in item["breakdown"] if f["factor"] == "fairness")
        for item in page["items"]
    }
    assert fairness[str(asked.id)]["value"] == 0.75
    assert fairness[str(world.a.volunteer.id)]["value"] == 1.0


def candidate_ids(client, need, headers) -> set[str]:
    page = client.get(f"{NEEDS}/{need.id}/candidates", headers=headers).get_json()
    return {item["volunteer"]["id"] for item in page["items"]}


def test_candidates_see_volunteer_changes_at_once(client, world, session, auth_headers):
    need = factories.need(session, world.a.school)
    session.commit()
    headers = auth_headers(world.a.users[Role.SCHOOL_STAFF])
    first = {str(world.a.volunteer.id), str(world.b.volunteer.id)}
    assert candidate_ids(client, need, headers) == first
    world.b.volunteer.modes = ["virtual"]  # online only now: the wrong mode for this need
    joined = factories.volunteer(session, world.a.employer)
    session.commit()
    assert candidate_ids(client, need, headers) == {str(world.a.volunteer.id), str(joined.id)}


def test_a_schools_benchmark_gaps_raise_its_priority(client, world, session, auth_headers):
    today = london_today()
    for school in (world.a.school, world.b.school):
        pupils = [factories.pupil(session, school, f"P{n}", year_group=10) for n in range(3)]
    covered = [factories.pupil(session, world.a.school, f"Q{n}", year_group=10) for n in range(3)]
    factories.encounter(
        session, world.a.school, on=today, pupils=covered, employer_=world.a.employer
    )
    needs = {school: factories.need(session, school) for school in (world.a.school, world.b.school)}
    session.commit()

    def priority(side) -> float:
        headers = auth_headers(side.users[Role.SCHOOL_STAFF])
        page = client.get(f"{NEEDS}/{needs[side.school].id}/candidates", headers=headers)
        factors = {f["factor"]: f["value"] for f in page.get_json()["items"][0]["breakdown"]}
        return factors["priority"]

    assert pupils  # both schools have pupils on roll; only A's met an employer this year
    start = school_year_start(today)
    expected_a, expected_b = (
        benchmarks.school_priority(session, side.school.id, start) for side in (world.a, world.b)
    )
    assert priority(world.a) == pytest.approx(expected_a, abs=1e-6)
    assert priority(world.b) == pytest.approx(expected_b, abs=1e-6)
    assert expected_a < expected_b
    volunteer = world.a.volunteer
    seen = client.get(
        f"/api/v1/volunteers/{volunteer.id}/opportunities",
        headers=auth_headers(world.a.users[Role.VOLUNTEER]),
    ).get_json()
    by_need = {
        item["need"]["id"]: {f["factor"]: f["value"] for f in item["breakdown"]}["priority"]
        for item in seen["items"]
    }
    assert by_need[str(needs[world.a.school].id)] == pytest.approx(expected_a, abs=1e-6)
    assert by_need[str(needs[world.b.school].id)] == pytest.approx(expected_b, abs=1e-6)


def next_weekday(after_days: int) -> date:
    day = london_today() + timedelta(days=after_days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def visit_need(session, school, **values):
    """A need for a workplace visit by Y10 pupils."""
    return factories.need(
        session,
        school,
        activity_type="workplace_visit_host",
        benchmark=6,
        year_groups=[10],
        **values,
    )


def test_workplace_needs_rank_offers_with_bookable_slots(client, world, session, auth_headers):
    visit_day = next_weekday(14)
    need = visit_need(session, world.a.school, pupils=12)
    for side in (world.a, world.b):
        side.slot.date = visit_day
    far = factories.offer(session, world.b.employer, latitude=51.5, longitude=-0.12)  # London
    factories.slot(session, far, day=visit_day)
    full = factories.offer(session, world.b.employer, title="Fully booked")
    factories.slot(session, full, day=visit_day, seats=2).booked = 2
    shadowing = factories.offer(session, world.b.employer, kind="job_shadowing", sectors=["J"])
    factories.slot(session, shadowing, day=visit_day, seats=20)
    factories.slot(session, factories.offer(session, world.b.employer, year_groups=[12]))
    session.commit()
    response = client.get(
        f"{NEEDS}/{need.id}/candidates", headers=auth_headers(world.a.users[Role.SCHOOL_STAFF])
    )
    assert response.status_code == 200, response.get_json()
    page = response.get_json()
    assert [c["offer"]["id"] for c in page["offers"]] == [str(world.b.offer.id)]
    best = page["offers"][0]
    assert [s["id"] for s in best["slots"]] == [str(world.b.slot.id)]
    factors = {f["factor"]: f["value"] for f in best["breakdown"]}
    assert factors["availability"] == pytest.approx(8 / 12, abs=1e-6)  # B holds 2 of 10 seats
    assert factors["activity"] == 1.0 and factors["year_groups"] == 1.0
    assert sum(f["contribution"] for f in best["breakdown"]) == pytest.approx(best["score"])
    assert page["offers_excluded"] == {
        "wrong_mode": 0,
        "out_of_range": 1,  # London
        "wrong_year_groups": 1,  # for Y12 only
        "unavailable": 1,  # no seats left
        "safeguarding": 0,
        "already_booked": 1,  # school A holds seats on its own employer's visit
    }  # job shadowing is another activity: not a candidate, not counted


def test_a_workplace_need_is_never_shown_a_slot_that_has_started(
    client, world, session, auth_headers
):
    later = next_weekday(14)
    need = visit_need(session, world.a.school, pupils=4, starts_on=london_today(), ends_on=later)
    started = world.b.slot  # today at 00:00 London: under way, whatever the time now
    started.date, started.starts_at, started.ends_at = london_today(), time(0, 0), time(0, 30)
    ahead = factories.slot(session, world.b.offer, day=later)
    session.commit()

    response = client.get(
        f"{NEEDS}/{need.id}/candidates", headers=auth_headers(world.a.users[Role.SCHOOL_STAFF])
    )

    assert response.status_code == 200, response.get_json()
    [offer] = response.get_json()["offers"]
    assert [s["id"] for s in offer["slots"]] == [str(ahead.id)]
    assert offer["slots"][0]["employer_name"] == world.b.employer.name


def test_offers_rank_by_fit_and_only_for_workplace_needs(client, world, session, auth_headers):
    visit_day = next_weekday(14)
    world.b.slot.date = visit_day
    shadowing = factories.offer(session, world.b.employer, kind="work_experience", sectors=["J"])
    factories.slot(session, shadowing, day=visit_day, seats=40)
    placement = factories.offer(session, world.b.employer, kind="virtual_work_experience")
    factories.slot(session, placement, day=visit_day, seats=40)
    work_experience = factories.need(
        session,
        world.a.school,
        activity_type="work_experience_supervisor",
        benchmark=6,
        sectors=["J"],
    )
    talk = factories.need(session, world.a.school)
    session.commit()
    headers = auth_headers(world.a.users[Role.SCHOOL_STAFF])
    ranked = client.get(f"{NEEDS}/{work_experience.id}/candidates", headers=headers).get_json()
    assert [c["offer"]["id"] for c in ranked["offers"]] == [str(shadowing.id)]
    assert ranked["offers_excluded"]["wrong_mode"] == 1  # virtual, for an in-person need
    either = client.patch(
        f"{NEEDS}/{work_experience.id}",
        json={"mode": "either"},
        headers={
            **headers,
            "If-Match": client.get(f"{NEEDS}/{work_experience.id}", headers=headers).headers[
                "ETag"
            ],
        },
    )
    assert either.status_code == 200, either.get_json()
    both = client.get(f"{NEEDS}/{work_experience.id}/candidates", headers=headers).get_json()
    scores = {c["offer"]["id"]: c["score"] for c in both["offers"]}
    assert scores[str(shadowing.id)] > scores[str(placement.id)]  # the sector asked for
    none = client.get(f"{NEEDS}/{talk.id}/candidates", headers=headers).get_json()
    assert none["offers"] == [] and set(none["offers_excluded"].values()) == {0}


def test_a_need_lists_the_encounter_offers_that_could_meet_it_beside_its_candidates(
    client, world, session, auth_headers
):
    employer, other = world.a.employer, world.b.employer
    factories.encounter_offer(session, employer, title="Talk", year_groups=[10], notice_days=21)
    factories.encounter_offer(session, other, title="Assembly", kind="assembly", send_suitable=True)
    misses = {
        "Interviews": {"kind": "mock_interviews"},
        "Sixth form": {"year_groups": [12, 13]},
        "Online only": {"modes": ["virtual"]},
        "Draft": {"status": "draft"},
        "Later": {"available_from": date.today() + timedelta(days=60)},
    }
    for title, fields in misses.items():
        factories.encounter_offer(session, employer, title=title, **fields)
    factories.encounter_offer(session, world.a.provider, title="College talk")  # Benchmark 7
    talk = factories.need(session, world.a.school)  # a Y9-Y10 careers talk, in school
    visit = factories.need(
        session, world.a.school, activity_type="workplace_visit_host", benchmark=6
    )
    session.commit()
    headers = auth_headers(world.a.users[Role.SCHOOL_STAFF])

    listed = client.get(f"{NEEDS}/{talk.id}/candidates", headers=headers).get_json()
    workplace = client.get(f"{NEEDS}/{visit.id}/candidates", headers=headers).get_json()

    hits = listed["encounter_offers"]
    assert [h["offer"]["title"] for h in hits] == ["Assembly", "Talk"]
    years = {h["offer"]["title"]: h["factors"][1] for h in hits}
    assert years["Talk"]["detail"] == "1 of 2 year groups asked"
    assert hits[0]["score"] == round(sum(f["contribution"] for f in hits[0]["factors"]), 4)
    assert hits[0]["in_school"] is True
    assert workplace["encounter_offers"] == []


def test_a_benchmark_7_need_ranks_providers_of_new_types_and_matching_offers_first(
    client, world, session, auth_headers
):
    """Both Y10 pupils have met a university; an ITP in Bradford offers a matching talk."""
    school = world.a.school
    places = {
        "University": (ProviderType.UNIVERSITY, 53.8067, -1.5550),
        "College": (ProviderType.FE_COLLEGE, 53.7900, -1.5300),
        "Training": (ProviderType.ITP, 53.7950, -1.7503),
        "Far away": (ProviderType.SIXTH_FORM, 53.4835, -2.2312),
    }
    made = {}
    for name, (kind, latitude, longitude) in places.items():
        made[name] = factories.provider(session, name)
        made[name].provider_type = kind
        made[name].latitude, made[name].longitude = latitude, longitude
    pupils = [factories.pupil(session, school, f"P{i}", year_group=10) for i in range(2)]
    factories.encounter(
        session,
        school,
        benchmark=7,
        provider_=made["University"],
        provider_type=ProviderType.UNIVERSITY,
        on=date.today() - timedelta(days=20),
        pupils=tuple(pupils),
    )
    factories.encounter_offer(
        session, made["Training"], title="Apprenticeships", year_groups=[10], modes=["virtual"]
    )
    need = factories.need(session, school, benchmark=7, year_groups=[10], mode="either")
    session.commit()
    headers = auth_headers(world.a.users[Role.SCHOOL_STAFF])

    page = client.get(f"{NEEDS}/{need.id}/candidates", headers=headers).get_json()

    ranked = [p for p in page["providers"] if p["provider"]["name"] in places]
    assert [p["provider"]["name"] for p in ranked] == ["Training", "College", "University"]
    why = {p["provider"]["name"]: {f["name"]: f for f in p["factors"]} for p in ranked}
    assert why["Training"]["offer"]["detail"] == "offers “Apprenticeships”, which could meet it"
    assert why["College"]["new_type"]["detail"] == "100% of Y10 pupils have not met an FE college"
    assert why["University"]["new_type"]["value"] == 0.0
    assert ranked[0]["score"] == round(sum(f["contribution"] for f in ranked[0]["factors"]), 4)
    talk = factories.need(session, school)  # Benchmark 5: no providers
    session.commit()
    assert (
        client.get(f"{NEEDS}/{talk.id}/candidates", headers=headers).get_json()["providers"] == []
    )


def test_variety_counts_the_employers_met_in_recorded_encounters(
    client, world, session, auth_headers
):
    world.a.employer.size_band, world.b.employer.size_band = "micro", "large"  # sectors unknown
    session.flush()
    factories.encounter(
        session, world.a.school, on=london_today() - timedelta(days=30), employer_=world.b.employer
    )
    need = factories.need(session, world.a.school)
    session.commit()
    page = client.get(
        f"{NEEDS}/{need.id}/candidates", headers=auth_headers(world.a.users[Role.SCHOOL_STAFF])
    ).get_json()
    variety = {
        item["volunteer"]["id"]: {f["factor"]: f["value"] for f in item["breakdown"]}["variety"]
        for item in page["items"]
    }
    # Half for the size (new: 1, met: 0), half for the sector (unknown: 0.5).
    assert variety == {str(world.a.volunteer.id): 0.75, str(world.b.volunteer.id): 0.25}


def test_schools_see_whole_kilometres_in_distance_factor_and_score(
    client, world, session, auth_headers
):
    need = factories.need(session, world.a.school)
    for offset in (0.0105, 0.0137, 0.0262):  # about 1.17, 1.52 and 2.91 km north
        factories.volunteer(
            session,
            world.b.employer,
            latitude=world.a.school.latitude + offset,
            travel_radius_km=20,
        )
    session.commit()

    page = client.get(
        f"{NEEDS}/{need.id}/candidates", headers=auth_headers(world.a.users[Role.SCHOOL_STAFF])
    ).get_json()

    placed = [item for item in page["items"] if item["distance_km"] is not None]
    assert placed
    for item in placed:
        assert item["distance_km"] == int(item["distance_km"])
        factor = next(f for f in item["breakdown"] if f["factor"] == "distance")
        assert factor["value"] == pytest.approx(1 - item["distance_km"] / 20, abs=1e-6)
