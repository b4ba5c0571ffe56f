"""The employers' side of the market: open needs their volunteers could meet, and putting a
volunteer forward for the school to approve or reject."""

from sqlalchemy import select

from models.outbox import OutboxEvent
from models.users import Role
from tests import factories


def open_needs(client, world, auth_headers, side="a"):
    employer = getattr(world, side)
    return client.get(
        f"/api/v1/employers/{employer.employer.id}/open-needs",
        headers=auth_headers(employer.users[Role.EMPLOYER_STAFF]),
    )


def test_employers_see_shared_needs_their_volunteers_fit_but_never_notes_or_pupils(
    client, session, world, auth_headers
):
    school = world.a.school
    factories.pupil(session, school)
    shared = factories.need(
        session,
        school,
        title="Shared talk",
        shared_with_employers=True,
        notes="Head of year: Ms Private; pupil P123 is anxious",
        send_adjustments="Two wheelchair users",
    )
    factories.need(session, school, title="Not shared")
    addressed = factories.need(
        session, world.b.school, title="For employer A", addressed_employer_id=world.a.employer.id
    )
    far_school = factories.school(session, name="Manchester school")
    far_school.latitude, far_school.longitude = 53.4835, -2.2312  # beyond the 20 km travelled
    factories.need(session, far_school, title="Too far", shared_with_employers=True)
    session.commit()

    response = open_needs(client, world, auth_headers)
    hits = response.get_json()
    other_employer = open_needs(client, world, auth_headers, side="b").get_json()
    volunteer = client.get(
        f"/api/v1/employers/{world.a.employer.id}/open-needs",
        headers=auth_headers(world.a.users[Role.VOLUNTEER]),
    )

    assert response.status_code == 200
    assert [h["need"]["title"] for h in hits] == ["For employer A", "Shared talk"]
    assert [h["addressed"] for h in hits] == [True, False]
    first = hits[1]
    assert first["need"]["id"] == str(shared.id)
    assert first["volunteers"][0]["volunteer_id"] == str(world.a.volunteer.id)
    assert round(sum(f["contribution"] for f in first["factors"]), 3) == round(first["score"], 3)
    assert first["need"]["send_adjustments"] == "Two wheelchair users"
    text = response.get_data(as_text=True)
    assert "Ms Private" not in text and "P123" not in text and "notes" not in first["need"]
    assert str(addressed.id) not in {h["need"]["id"] for h in other_employer}
    assert volunteer.status_code == 403


def test_a_volunteer_put_forward_is_approved_into_the_match_workflow_or_rejected(
    client, session, world, auth_headers
):
    first = factories.need(session, world.a.school, shared_with_employers=True)
    second = factories.need(session, world.a.school, title="Second", shared_with_employers=True)
    hidden = factories.need(session, world.a.school, title="Hidden")
    spare = factories.volunteer(session, world.a.employer)
    session.commit()
    employer = auth_headers(world.a.users[Role.EMPLOYER_STAFF])
    school = auth_headers(world.a.users[Role.SCHOOL_STAFF])
    body = {"volunteer_id": str(world.a.volunteer.id), "note": "Keen to help"}

    offered = client.post(f"/api/v1/needs/{first.id}/put-forward", headers=employer, json=body)
    twice = client.post(f"/api/v1/needs/{first.id}/put-forward", headers=employer, json=body)
    unshared = client.post(f"/api/v1/needs/{hidden.id}/put-forward", headers=employer, json=body)
    foreign = client.post(
        f"/api/v1/needs/{first.id}/put-forward",
        headers=auth_headers(world.b.users[Role.EMPLOYER_STAFF]),
        json=body,
    )
    match_id = offered.get_json()["id"]
    employer_approves = client.post(f"/api/v1/matches/{match_id}/approve", headers=employer)
    approved = client.post(f"/api/v1/matches/{match_id}/approve", headers=school)
    confirmed = client.post(f"/api/v1/matches/{match_id}/confirm", headers=school)
    other = client.post(
        f"/api/v1/needs/{second.id}/put-forward",
        headers=employer,
        json={"volunteer_id": str(spare.id)},
    ).get_json()["id"]
    rejected = client.post(
        f"/api/v1/matches/{other}/reject", headers=school, json={"reason": "not_available"}
    )
    approve_rejected = client.post(f"/api/v1/matches/{other}/approve", headers=school)

    assert offered.status_code == 201
    assert offered.get_json()["status"] == "put_forward"
    assert twice.status_code == 409
    assert unshared.status_code == 404
    assert foreign.status_code == 404
    assert employer_approves.status_code == 403
    assert approved.get_json()["status"] == "accepted"
    assert confirmed.status_code == 200, confirmed.get_json()
    assert confirmed.get_json()["status"] == "confirmed"
    assert rejected.get_json()["status"] == "declined"
    assert approve_rejected.status_code == 409
    published = session.scalars(select(OutboxEvent).where(OutboxEvent.type.like("match.%")))
    types = [e.type for e in published if e.data["need_id"] == str(first.id)]
    assert "match.put_forward" in types and "match.accepted" in types


def test_needs_of_schools_the_employers_offers_aim_at_come_next_after_addressed_ones(
    client, session, world, auth_headers
):
    world.b.school.skills_area = "West Yorkshire"
    world.a.school.skills_area = None
    world.a.school.percentage_fsm = 10.0
    factories.need(session, world.a.school, title="Untargeted", shared_with_employers=True)
    factories.need(session, world.b.school, title="Targeted", shared_with_employers=True)
    factories.encounter_offer(
        session, world.a.employer, title="Site talk", target_skills_areas=["West Yorkshire"]
    )
    session.commit()

    hits = open_needs(client, world, auth_headers).get_json()

    assert [(h["need"]["title"], h["targeted"]) for h in hits] == [
        (
            "Targeted",
            "aimed at schools in West Yorkshire (skills-plan area), as your offer “Site talk” is",
        ),
        ("Untargeted", None),
    ]
