"""The match workflow through the API: every transition, the impossible ones (409),
expiry, backups, events, and who may do what."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from models.matches import Match, MatchStatus
from models.needs import NeedStatus
from models.outbox import OutboxEvent
from models.users import Role
from services import needs as needs_service
from tests import factories

MATCHES = "/api/v1/matches"


@pytest.fixture
def need(session, world):
    created = factories.need(session, world.a.school)
    session.commit()
    return created


def invite(client, auth_headers, world, need, volunteers, user=None):
    return client.post(
        f"/api/v1/needs/{need.id}/invitations",
        json={"volunteer_ids": [str(v.id) for v in volunteers]},
        headers=auth_headers(user or world.a.users[Role.SCHOOL_STAFF]),
    )


def act(client, auth_headers, user, match_id, action, json=None):
    return client.post(f"{MATCHES}/{match_id}/{action}", json=json, headers=auth_headers(user))


def events(session):
    session.expire_all()
    query = select(OutboxEvent.type).where(
        OutboxEvent.type.like("match.%") | OutboxEvent.type.like("need.%")
    )
    return list(session.scalars(query.order_by(OutboxEvent.position)))


def test_invite_accept_confirm_schedule(client, world, session, auth_headers, need):
    school, volunteer = world.a.users[Role.SCHOOL_STAFF], world.a.users[Role.VOLUNTEER]
    response = invite(client, auth_headers, world, need, [world.a.volunteer, world.b.volunteer])
    assert response.status_code == 201, response.get_json()
    ours, theirs = sorted(
        response.get_json(), key=lambda m: m["volunteer"]["id"] != str(world.a.volunteer.id)
    )
    assert ours["status"] == "invited" and ours["expires_at"].endswith("Z")

    accepted = act(client, auth_headers, volunteer, ours["id"], "accept")
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "accepted"
    assert act(client, auth_headers, volunteer, ours["id"], "accept").status_code == 409

    assert act(client, auth_headers, volunteer, ours["id"], "confirm").status_code == 403
    confirmed = act(client, auth_headers, school, ours["id"], "confirm")
    assert confirmed.status_code == 200 and confirmed.get_json()["status"] == "confirmed"
    session.expire_all()
    assert need.status is NeedStatus.MATCHED
    other = client.get(f"{MATCHES}/{theirs['id']}", headers=auth_headers(school)).get_json()
    assert other["status"] == "withdrawn"

    outside = (need.ends_on + timedelta(days=3)).isoformat() + "T10:00:00Z"
    bad = act(client, auth_headers, school, ours["id"], "schedule", {"scheduled_for": outside})
    assert bad.status_code == 422
    when = need.starts_on.isoformat() + "T10:00:00Z"
    scheduled = act(client, auth_headers, school, ours["id"], "schedule", {"scheduled_for": when})
    assert scheduled.status_code == 200 and scheduled.get_json()["status"] == "scheduled"
    assert (
        act(
            client, auth_headers, school, ours["id"], "schedule", {"scheduled_for": when}
        ).status_code
        == 409
    )
    assert (
        client.post(f"/api/v1/needs/{need.id}/fulfil", headers=auth_headers(school)).status_code
        == 200
    )

    assert events(session) == [
        "match.invited",
        "match.invited",
        "match.accepted",
        "match.confirmed",
        "need.matched",
        "match.withdrawn",
        "match.scheduled",
        "need.fulfilled",
    ]


def test_decline_with_a_reason_then_nothing_more(client, world, session, auth_headers, need):
    volunteer = world.a.users[Role.VOLUNTEER]
    match = invite(client, auth_headers, world, need, [world.a.volunteer]).get_json()[0]
    missing = act(client, auth_headers, volunteer, match["id"], "decline", {})
    assert missing.status_code == 422
    declined = act(
        client, auth_headers, volunteer, match["id"], "decline", {"reason": "not_available"}
    )
    assert declined.status_code == 200
    assert declined.get_json()["decline_reason"] == "not_available"
    for action, json in [("accept", None), ("decline", {"reason": "other"}), ("withdraw", {})]:
        assert act(client, auth_headers, volunteer, match["id"], action, json).status_code == 409
    school = world.a.users[Role.SCHOOL_STAFF]
    assert act(client, auth_headers, school, match["id"], "confirm").status_code == 409
    assert "match.declined" in events(session)


def test_impossible_transitions_are_409(client, world, session, auth_headers, need):
    school, volunteer = world.a.users[Role.SCHOOL_STAFF], world.a.users[Role.VOLUNTEER]
    match = invite(client, auth_headers, world, need, [world.a.volunteer]).get_json()[0]
    when = {"scheduled_for": need.starts_on.isoformat() + "T10:00:00Z"}
    assert act(client, auth_headers, school, match["id"], "confirm").status_code == 409
    assert act(client, auth_headers, school, match["id"], "schedule", when).status_code == 409
    assert (
        client.post(f"/api/v1/needs/{need.id}/fulfil", headers=auth_headers(school)).status_code
        == 409
    )
    again = invite(client, auth_headers, world, need, [world.a.volunteer])
    assert again.status_code == 409
    assert again.get_json()["errors"] == {str(world.a.volunteer.id): ["Already invited."]}
    assert act(client, auth_headers, school, match["id"], "accept").status_code == 403
    assert act(client, auth_headers, volunteer, match["id"], "withdraw", {}).status_code == 200


def test_withdrawing_a_confirmed_match_reopens_the_need_and_backups_follow(
    client, world, session, auth_headers, need
):
    school, volunteer = world.a.users[Role.SCHOOL_STAFF], world.a.users[Role.VOLUNTEER]
    spare = factories.volunteer(session, world.b.employer)
    session.commit()
    match = invite(client, auth_headers, world, need, [world.a.volunteer]).get_json()[0]
    act(client, auth_headers, volunteer, match["id"], "accept")
    act(client, auth_headers, school, match["id"], "confirm")
    backups_while_matched = client.post(
        f"/api/v1/needs/{need.id}/backups", json={}, headers=auth_headers(school)
    )
    assert backups_while_matched.status_code == 409
    withdrawn = act(client, auth_headers, volunteer, match["id"], "withdraw", {"note": "Ill"})
    assert withdrawn.status_code == 200
    session.expire_all()
    assert need.status is NeedStatus.OPEN

    response = client.post(
        f"/api/v1/needs/{need.id}/backups", json={"count": 5}, headers=auth_headers(school)
    )
    assert response.status_code == 201
    invited = {m["volunteer"]["id"] for m in response.get_json()}
    assert invited == {str(world.b.volunteer.id), str(spare.id)}  # not the one who withdrew
    assert "need.reopened" in events(session)
    none_left = client.post(
        f"/api/v1/needs/{need.id}/backups", json={}, headers=auth_headers(school)
    )
    assert none_left.status_code == 201 and none_left.get_json() == []


def test_invitations_expire(client, world, session, auth_headers, need):
    past = datetime.now(UTC) - timedelta(days=5)
    match = factories.match(
        session,
        need,
        world.a.volunteer,
        MatchStatus.INVITED,
        invited_at=past,
        expires_at=past + timedelta(days=3),
    )
    session.commit()
    volunteer = world.a.users[Role.VOLUNTEER]
    assert act(client, auth_headers, volunteer, match.id, "accept").status_code == 409
    assert needs_service.expire_due(session) == (0, 1)
    session.commit()
    read = client.get(f"{MATCHES}/{match.id}", headers=auth_headers(volunteer)).get_json()
    assert read["status"] == "expired"
    assert (
        act(client, auth_headers, volunteer, match.id, "decline", {"reason": "other"}).status_code
        == 409
    )


def test_expiry_ttl_comes_from_configuration(app, client, world, auth_headers, need):
    app.config["MATCH_INVITATION_TTL_HOURS"] = 2
    match = invite(client, auth_headers, world, need, [world.a.volunteer]).get_json()[0]
    invited = datetime.fromisoformat(match["invited_at"])
    assert datetime.fromisoformat(match["expires_at"]) - invited == timedelta(hours=2)


def test_needs_past_their_window_expire(session, world):
    need = factories.need(session, world.a.school)
    need.starts_on = need.starts_on - timedelta(days=60)
    need.ends_on = need.starts_on + timedelta(days=1)
    session.commit()
    assert needs_service.expire_due(session) == (1, 0)
    assert need.status is NeedStatus.EXPIRED


def test_invitations_that_break_a_rule_say_why(client, world, session, auth_headers):
    need = factories.need(
        session, world.a.school, activity_type="mentoring", supervised=False, frequency="weekly"
    )
    world.b.volunteer.dbs_enhanced = False
    world.b.volunteer.dbs_barred_list = False
    world.b.volunteer.dbs_issued_on = None
    far = factories.volunteer(session, world.a.employer, latitude=53.48, longitude=-2.23)
    session.commit()
    response = invite(
        client, auth_headers, world, need, [world.a.volunteer, world.b.volunteer, far]
    )
    assert response.status_code == 409
    errors = response.get_json()["errors"]
    assert str(world.a.volunteer.id) not in errors
    assert "no enhanced DBS check on record" in errors[str(world.b.volunteer.id)][0]
    assert errors[str(far.id)] == ["Out of range."]
    assert events(session) == []  # all or none


def test_who_sees_which_matches(client, world, session, auth_headers, need):
    match = invite(client, auth_headers, world, need, [world.a.volunteer]).get_json()[0]
    url = f"{MATCHES}/{match['id']}"
    for user in (
        world.a.users[Role.SCHOOL_STAFF],
        world.a.users[Role.COORDINATOR],
        world.a.users[Role.VOLUNTEER],
        world.a.users[Role.EMPLOYER_STAFF],
    ):
        assert client.get(url, headers=auth_headers(user)).status_code == 200
        listed = client.get(MATCHES, headers=auth_headers(user)).get_json()
        assert [m["id"] for m in listed] == [match["id"]]
    for user in (world.b.users[Role.SCHOOL_STAFF], world.b.users[Role.VOLUNTEER]):
        assert client.get(url, headers=auth_headers(user)).status_code == 404
        assert client.get(MATCHES, headers=auth_headers(user)).get_json() == []
    # The employer's staff see it, but only the volunteer answers.
    employer = world.a.users[Role.EMPLOYER_STAFF]
    assert act(client, auth_headers, employer, match["id"], "accept").status_code == 403
    # Invited, the volunteer may now read the need.
    need_url = f"/api/v1/needs/{need.id}"
    assert (
        client.get(need_url, headers=auth_headers(world.a.users[Role.VOLUNTEER])).status_code == 200
    )
    foreign = invite(
        client, auth_headers, world, need, [world.b.volunteer], world.b.users[Role.SCHOOL_STAFF]
    )
    assert foreign.status_code == 404


def test_the_expire_command(app, session, world):
    need = factories.need(session, world.a.school)
    past = datetime.now(UTC) - timedelta(days=5)
    factories.match(
        session, need, world.a.volunteer, MatchStatus.INVITED, invited_at=past, expires_at=past
    )
    session.commit()
    result = app.test_cli_runner().invoke(args=["matches", "expire"])
    assert result.exit_code == 0
    assert "Expired 0 needs and 1 invitations." in result.output


def test_backups_without_a_body_are_refused_and_invite_nobody(
    client, world, session, auth_headers, need
):
    headers = auth_headers(world.a.users[Role.SCHOOL_STAFF])

    bare = client.post(f"/api/v1/needs/{need.id}/backups", headers=headers)
    invited_by_bare = session.scalars(select(Match)).all()
    with_defaults = client.post(f"/api/v1/needs/{need.id}/backups", json={}, headers=headers)

    assert bare.status_code == 422
    assert bare.content_type == "application/problem+json"
    assert list(bare.get_json()["errors"]) == ["_body"]
    assert invited_by_bare == []
    assert with_defaults.status_code == 201
    assert with_defaults.get_json()
