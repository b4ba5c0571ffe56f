"""The statutory publication: the newest published plan, by year group, with no cancelled
activity, as JSON and as an HTML page that escapes whatever the school typed."""

from datetime import date

import pytest

from models.programme import ActivityStatus, PlanStatus
from services import publication
from services.errors import NotFound
from tests import factories


@pytest.fixture
def school(session):
    made = factories.school(session)
    made.careers_leader_name = "Ada <b>Lovelace</b>"
    made.careers_leader_email = "careers@school.example"
    session.commit()
    return made


def published(session, school, year, **values):
    plan = factories.programme_plan(
        session, school, academic_year=year, status=PlanStatus.PUBLISHED, **values
    )
    session.commit()
    return plan


def test_a_school_with_only_a_draft_has_published_nothing(session, school):
    factories.programme_plan(session, school)
    session.commit()
    with pytest.raises(NotFound, match="not published"):
        publication.get(session, school.id)


def test_the_newest_published_plan_is_shown_by_year_group_without_cancelled_activities(
    session, school
):
    published(session, school, 2024, summary="Older")
    plan = published(session, school, 2025, summary="This year", next_review_on=date(2026, 7, 1))
    factories.programme_activity(session, plan, title="Y10 talk", year_group=10, half_term=3)
    factories.programme_activity(session, plan, title="Y8 fair", year_group=8, half_term=1)
    factories.programme_activity(
        session, plan, title="Dropped", year_group=8, status=ActivityStatus.CANCELLED
    )
    session.commit()

    document = publication.get(session, school.id)

    assert (document["academic_year"], document["summary"]) == ("2025-26", "This year")
    assert [row["year_group"] for row in document["programme"]] == [8, 10]
    [fair] = document["programme"][0]["activities"]
    assert (fair["title"], fair["half_term_name"]) == ("Y8 fair", "Autumn 1")
    assert document["provider_access_policy"]["status"] == publication.NOT_YET_PUBLISHED
    assert document["next_review_on"] == date(2026, 7, 1)


def test_the_page_escapes_what_the_school_typed(session, school):
    plan = published(session, school, 2025, summary="<script>alert(1)</script>")
    factories.programme_activity(session, plan, title="<img src=x onerror=alert(1)>")
    session.commit()

    html = publication.render_html(publication.get(session, school.id))

    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html
    assert "<img src=x" not in html
    assert "Ada &lt;b&gt;Lovelace&lt;/b&gt;" in html
