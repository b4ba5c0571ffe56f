"""The demo's directory: 40 employers of every size, 1,000 volunteers at real postcodes near
Leeds and 60 Enterprise Advisers in the demo hub, the same on every run."""

from datetime import UTC, datetime

from sqlalchemy import func, select
from standardwebhooks.webhooks import Webhook

from models.auth import ApiClient
from models.organisations import Employer, EmployerSize
from models.reference import Postcode
from models.volunteers import EnterpriseAdviser, Volunteer
from models.webhooks import SubscriptionStatus, WebhookSubscription
from services import demo, matching
from services.geo import distance_km
from services.outbox import EVENT_TYPES
from tests.services.demo.conftest import snapshots


def test_the_demo_seeds_a_directory_around_leeds_idempotently(seeded):
    session = seeded.session
    first = seeded.first["volunteers"]
    assert snapshots(session)["volunteers"] == first
    assert session.scalar(select(func.count()).select_from(Employer)) == 40
    assert {e.size_band for e in session.scalars(select(Employer))} == set(EmployerSize)
    assert len({e.sector_code for e in session.scalars(select(Employer))}) == 21
    assert len(first) == demo.base.DEMO_VOLUNTEER_COUNT + 1  # plus the demo volunteer login's
    advisers = session.scalars(select(EnterpriseAdviser)).all()
    assert len(advisers) == 60
    assert {a.hub_id for a in advisers} == {demo.base.DEMO_HUB_ID}
    assert all(a.hours_per_month >= 8 for a in advisers)
    for volunteer in session.scalars(select(Volunteer).limit(50)):
        place = session.get(Postcode, volunteer.base_postcode)
        assert (place.latitude, place.longitude) == (volunteer.latitude, volunteer.longitude)
        assert distance_km(*demo.base.DEMO_CENTRE, place.latitude, place.longitude) <= 25


def test_the_demo_seeds_pupils_and_uneven_records_idempotently(seeded):
    from models.encounters import Attendance, Encounter, EncounterSource
    from models.pupils import Pupil
    from models.users import Role
    from services import benchmarks, school_years
    from services.callers import Caller

    session, summary = seeded.session, seeded
    counts = seeded.first["records"]
    assert snapshots(session)["records"] == counts
    assert (
        counts[0] == demo.records.DEMO_PUPIL_SCHOOLS * 7 * demo.records.DEMO_PUPILS_PER_YEAR_GROUP
    )
    this_year = school_years.label(demo.base.demo_school_year())
    shares = [
        benchmarks.school_priority(session, school.id, this_year)
        for school in summary.schools[: demo.records.DEMO_PUPIL_SCHOOLS]
    ]
    # Coverage falls school by school (not evenly: disadvantaged shares differ), so the
    # best-covered school has a lower priority than the least covered.
    assert shares[0] < shares[-1] and len(set(shares)) == len(shares)
    report = benchmarks.school_report(
        session,
        Caller(role=Role.ADMIN, organisation_id=summary.hub.id),
        summary.schools[0].id,
        academic_year=this_year,
    )
    totals = [b["total"]["share"] for b in report["benchmarks"]]
    assert all(0 < share < 1 for share in totals), totals  # this year's report shows data
    assert report["pupils"] == 7 * demo.records.DEMO_PUPILS_PER_YEAR_GROUP
    # A pupil's year group is the same in the pupil list, this year's attendance and the report.
    pupils = session.scalars(select(Pupil).where(Pupil.school_id == summary.schools[0].id)).all()
    assert {p.roll_year for p in pupils} == {demo.base.demo_school_year()}
    first, _ = school_years.bounds(demo.base.demo_school_year())
    attended = session.execute(
        select(Pupil.year_group, Attendance.year_group)
        .join(Attendance, Attendance.pupil_id == Pupil.id)
        .join(Encounter, Encounter.id == Attendance.encounter_id)
        .where(Encounter.occurred_on >= first)
    ).all()
    assert attended and all(listed == on_the_day for listed, on_the_day in attended)
    recorded = select(func.max(Encounter.occurred_on)).where(
        Encounter.source == EncounterSource.RECORDED
    )
    assert session.scalar(recorded) <= school_years.london_today()  # none in the future
    for row in report["benchmarks"][0]["year_groups"]:
        listed = sum(p.year_group == row["year_group"] for p in pupils)
        assert row["pupils"] == listed


def test_the_demo_seeds_needs_and_invitations_in_every_state(seeded):
    from models.matches import MatchStatus
    from models.needs import Need, NeedStatus
    from models.pairings import AdviserAssignment

    session = seeded.session
    first = seeded.first["matches"]
    assert snapshots(session)["matches"] == first
    needs = session.scalars(select(Need)).all()
    assert len(needs) == len(demo.needs.DEMO_NEEDS)
    assert {n.school.hub_id for n in needs} == {demo.base.DEMO_HUB_ID}
    assert sum(n.status is NeedStatus.OPEN for n in needs) >= 8
    assert {status for _, status in first} == {s.value for s in MatchStatus}
    assert session.scalar(select(func.count()).select_from(AdviserAssignment)) == 0
    visit = next(n for n in needs if n.activity_type == "workplace_visit_host")
    ranked = matching.ranked_for(session, visit, page=1, page_size=10)
    assert ranked.offers and all(o.slots for o in ranked.offers)


def test_the_demo_partner_apps_school_is_subscribed_to_its_news_once(seeded):
    session = seeded.session
    app = session.scalar(select(ApiClient).where(ApiClient.client_id == demo.base.DEMO_CLIENT_ID))
    [subscription] = session.scalars(select(WebhookSubscription)).all()  # seeded twice: one
    assert subscription.organisation_id == app.organisation_id
    assert subscription.url == demo.base.DEMO_WEBHOOK_URL
    assert subscription.status is SubscriptionStatus.ACTIVE
    assert set(subscription.event_types) <= set(EVENT_TYPES)
    assert {"events:read", "webhooks:write"} <= set(app.scopes)
    # The printed secret signs and verifies with the standard library for webhooks.
    hook = Webhook(demo.base.DEMO_WEBHOOK_SECRET)
    sent_at = datetime.now(UTC)
    signature = hook.sign("msg_1", sent_at, '{"type": "webhook.ping"}')
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": signature,
    }
    assert hook.verify('{"type": "webhook.ping"}', headers) == {"type": "webhook.ping"}
