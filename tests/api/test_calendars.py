"""Calendar feeds read the same in two independent parsers, on both sides of each clock change."""

from datetime import UTC, date, datetime, time, timedelta

import icalendar
import pytest
import vobject

from models.base import london_today
from models.bookings import BookingStatus
from models.users import Role
from tests import factories


def last_sunday(year: int, month: int) -> date:
    last = (date(year, month + 1, 1) if month < 12 else date(year + 1, 1, 1)) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() + 1) % 7)


YEAR = london_today().year + 1
SPRING, AUTUMN = last_sunday(YEAR, 3), last_sunday(YEAR, 10)
# (day, the London wall-clock start, that moment in UTC)
VISITS = [
    (date(YEAR, 1, 14), time(9, 30), datetime(YEAR, 1, 14, 9, 30, tzinfo=UTC)),
    (SPRING - timedelta(days=1), time(9, 30), datetime(YEAR, 3, SPRING.day - 1, 9, 30, tzinfo=UTC)),
    (SPRING, time(9, 30), datetime(YEAR, 3, SPRING.day, 8, 30, tzinfo=UTC)),
    (date(YEAR, 7, 1), time(9, 30), datetime(YEAR, 7, 1, 8, 30, tzinfo=UTC)),
    (
        AUTUMN - timedelta(days=1),
        time(9, 30),
        datetime(YEAR, 10, AUTUMN.day - 1, 8, 30, tzinfo=UTC),
    ),
    (AUTUMN, time(9, 30), datetime(YEAR, 10, AUTUMN.day, 9, 30, tzinfo=UTC)),
    (date(YEAR, 12, 1), time(9, 30), datetime(YEAR, 12, 1, 9, 30, tzinfo=UTC)),
]


@pytest.fixture
def feed(client, session, world, auth_headers) -> tuple[bytes, dict]:
    """A school's feed with a confirmed visit on each day of VISITS; booking ids by UTC start."""
    expected = {}
    for day, starts_at, utc in VISITS:
        slot = factories.slot(
            session, world.a.offer, day=day, starts_at=starts_at, ends_at=time(15, 0)
        )
        booking = factories.booking(session, slot, world.a.school, status=BookingStatus.CONFIRMED)
        expected[f"booking-{booking.id}@engage"] = utc
    session.commit()
    created = client.put(
        f"/api/v1/schools/{world.a.school.id}/calendar-feed",
        headers=auth_headers(world.a.users[Role.SCHOOL_STAFF]),
    )
    assert created.status_code == 201
    response = client.get(created.get_json()["url"])
    assert response.status_code == 200
    return response.data, expected


def test_icalendar_reads_each_visit_at_its_moment(feed):
    body, expected = feed
    calendar = icalendar.Calendar.from_ical(body)
    read = {str(e["UID"]): e["DTSTART"].dt.astimezone(UTC) for e in calendar.walk("VEVENT")}
    assert read == expected


def test_vobject_reads_each_visit_at_its_moment(feed):
    body, expected = feed
    calendar = vobject.readOne(body.decode())
    read = {e.uid.value: e.dtstart.value.astimezone(UTC) for e in calendar.vevent_list}
    assert read == expected


def test_the_timezone_is_the_conventional_rrule_definition(feed):
    body, _ = feed
    [timezone] = icalendar.Calendar.from_ical(body).walk("VTIMEZONE")
    assert timezone["TZID"] == "Europe/London"
    changes = {c.name: c for c in timezone.subcomponents}
    assert set(changes) == {"DAYLIGHT", "STANDARD"}
    assert "RDATE" not in body.decode()
    for name, month in (("DAYLIGHT", 3), ("STANDARD", 10)):
        rule = changes[name]["RRULE"]
        assert (rule["FREQ"], rule["BYMONTH"], rule["BYDAY"]) == (["YEARLY"], [month], ["-1SU"])


def test_an_unchanged_feed_answers_304_to_its_etag(client, feed, world, auth_headers):
    created = client.put(
        f"/api/v1/schools/{world.a.school.id}/calendar-feed",
        headers=auth_headers(world.a.users[Role.SCHOOL_STAFF]),
    )
    url, etag = created.get_json()["url"], created.headers["ETag"]
    assert created.headers["Location"] == url
    assert client.get(url).headers["ETag"] == etag
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
