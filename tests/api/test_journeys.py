"""Career journeys through HTTP: recording, sharing and withdrawing, clear 422s, the
employer's CSV import, and the tube map (data, picture in a real browser, answers)."""

import math
import random
import struct
from xml.etree import ElementTree

import pytest
from playwright.sync_api import sync_playwright
from sqlalchemy import select

from models.audit import AuditEntry
from models.journeys import Journey
from models.outbox import OutboxEvent
from services import demo
from services.tube_map_svg import LINE_WIDTH
from tests import factories
from tests.geometry import crossings, path_points

GCSE = {
    "kind": "qualification",
    "qualification_type": "gcse",
    "route": "school",
    "level": "2",
    "start_year": 2008,
    "end_year": 2013,
}
APPRENTICE = {
    "kind": "role",
    "sector": "F",
    "soc_minor_group": 531,
    "route": "apprenticeship",
    "level": "2",
    "start_year": 2013,
    "end_year": 2016,
}
HNC = {
    "kind": "qualification",
    "qualification_type": "hnc",
    "sector": "F",
    "route": "higher_technical",
    "level": "4",
    "start_year": 2016,
    "end_year": 2018,
}


def journey_url(volunteer) -> str:
    return f"/api/v1/volunteers/{volunteer.id}/journey"


def put_journey(client, headers, volunteer, body):
    etag = client.get(journey_url(volunteer), headers=headers).headers["ETag"]
    return client.put(journey_url(volunteer), json=body, headers={**headers, "If-Match": etag})


def event_types(session) -> list[str]:
    session.expire_all()
    return [e.type for e in session.scalars(select(OutboxEvent).order_by(OutboxEvent.position))]


def test_a_volunteer_records_shares_and_withdraws_their_journey(
    client, session, world, auth_headers
):
    headers = auth_headers(world.a.users[factories.Role.VOLUNTEER])
    volunteer = world.a.volunteer

    empty = client.get(journey_url(volunteer), headers=headers)
    assert empty.status_code == 200
    assert empty.json["steps"] == [] and empty.json["shared"] is False

    body = {"steps": [GCSE, APPRENTICE, HNC], "shared": True, "region": "North West"}
    saved = put_journey(client, headers, volunteer, body)
    assert saved.status_code == 200, saved.json
    assert saved.json["steps"][1] == {**APPRENTICE, "qualification_type": None}
    assert (saved.json["start_level"], saved.json["reached_level"]) == ("2", "4")
    assert saved.json["first_route"] == "apprenticeship"
    assert event_types(session) == ["journey.updated", "journey.shared"]
    audited = session.scalars(select(AuditEntry).where(AuditEntry.object_type == "journey"))
    assert [entry.action for entry in audited] == ["journey.created"]
    assert client.get("/api/v1/tube-map", headers=headers).json["journeys"] == 1

    withdrawn = put_journey(client, headers, volunteer, {**body, "shared": False})
    assert withdrawn.status_code == 200
    assert event_types(session)[-2:] == ["journey.updated", "journey.withdrawn"]
    assert client.get("/api/v1/tube-map", headers=headers).json["journeys"] == 0

    etag = client.get(journey_url(volunteer), headers=headers).headers["ETag"]
    erased = client.delete(journey_url(volunteer), headers={**headers, "If-Match": etag})
    assert erased.status_code == 204
    assert session.scalars(select(Journey)).all() == []
    assert event_types(session)[-1] == "journey.deleted"


def test_a_stale_if_match_changes_nothing(client, session, world, auth_headers):
    headers = auth_headers(world.a.users[factories.Role.VOLUNTEER])
    stale = client.get(journey_url(world.a.volunteer), headers=headers).headers["ETag"]
    assert (
        put_journey(
            client, headers, world.a.volunteer, {"steps": [GCSE], "shared": False}
        ).status_code
        == 200
    )
    again = client.put(
        journey_url(world.a.volunteer),
        json={"steps": [], "shared": False},
        headers={**headers, "If-Match": stale},
    )
    assert again.status_code == 412
    assert len(session.scalars(select(Journey)).one().steps) == 1


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"steps": [{**GCSE, "level": "9"}], "shared": False}, "steps.0.level", "RQF level"),
        ({"steps": [{**HNC, "level": "2"}], "shared": False}, "steps.0.level", "level 4"),
        ({"steps": [HNC, GCSE], "shared": False}, "steps.1.start_year", "in order"),
        (
            {"steps": [{**GCSE, "start_year": 2999}], "shared": False},
            "steps.0.start_year",
            "No future years",
        ),
        (
            {"steps": [{**APPRENTICE, "soc_minor_group": None}], "shared": False},
            "steps.0.soc_minor_group",
            "minor group",
        ),
        ({"steps": [GCSE], "shared": False, "named": True}, "named", "shared"),
        ({"steps": [], "shared": True}, "shared", "at least one step"),
        ({"steps": [GCSE], "shared": True, "region": "Mars"}, "region", "Must be one of"),
    ],
)
def test_a_journey_that_makes_no_sense_is_a_clear_422(
    client, session, world, auth_headers, body, field, message
):
    headers = auth_headers(world.a.users[factories.Role.VOLUNTEER])
    response = put_journey(client, headers, world.a.volunteer, body)

    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    errors = response.json["errors"]
    errors = errors.get("json", errors)
    flat = {k: v for k, v in _flatten(errors)}
    assert message in " ".join(flat[field]), flat
    assert session.scalars(select(Journey)).all() == []
    assert event_types(session) == []


def _flatten(errors, prefix=""):
    for key, value in errors.items():
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


BRICKLAYER = [
    factories.qualification_step("gcse", 2, 2010, route="school", end=2015),
    factories.role_step(531, 3, 2015, route="apprenticeship"),
]
BRICKLAYER_AS_SHOWN = [  # as the API reads and writes it
    {**GCSE, "sector": None, "soc_minor_group": None, "start_year": 2010, "end_year": 2015},
    {**APPRENTICE, "qualification_type": None, "level": "3", "start_year": 2015, "end_year": None},
]
SHOWN = ("/api/v1/tube-map", "/api/v1/journeys", "/api/v1/tube-map.svg")
NAMED_ON = ("/api/v1/tube-map", "/api/v1/tube-map.svg")  # answers count, never name


def bricklayers(session, employer, names: dict[str, bool]) -> list:
    """A shared bricklaying journey for each name, named when its value says so."""
    made = []
    for name, named in names.items():
        volunteer = factories.volunteer(session, employer)
        volunteer.user.name = name
        factories.journey(session, volunteer, BRICKLAYER, named=named)
        made.append(volunteer)
    session.commit()
    return made


def test_shared_journeys_are_counted_never_named_unless_chosen(
    client, session, world, auth_headers
):
    volunteers = bricklayers(session, world.a.employer, dict.fromkeys("ABCDE", False))
    for volunteer in volunteers:
        volunteer.user.name = "Zebedee Quill"
    session.commit()
    headers = auth_headers(world.a.users[factories.Role.SCHOOL_STAFF])

    for path in SHOWN:
        response = client.get(path, headers=headers, query_string={"sector": "F"})
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        assert "Zebedee" not in text and str(volunteers[0].id) not in text
        assert world.a.employer.name not in text
    data = client.get("/api/v1/tube-map", headers=headers).json
    assert [(line["count"], line["stations"], line["named"]) for line in data["lines"]] == [
        (5, ["qualification-gcse-2", "role-531-3"], [])
    ]
    answer = client.get(
        "/api/v1/journeys", headers=headers, query_string={"start_level": "2", "reached_level": "3"}
    ).json
    assert (answer["journeys"], answer["began_with_apprenticeship"]) == (5, 5)
    assert answer["routes"] == [
        {"routes": ["school", "apprenticeship"], "journeys": 5, "median_years": 5.0}
    ]


def test_a_volunteer_who_chooses_to_be_named_is_shown_by_name_only(
    client, session, world, auth_headers
):
    names = {"Ada Brick": True, "Ben Mortar": True, "Cyd Gone": True, "Zeb": False, "Zed": False}
    ada, ben, gone, *_ = bricklayers(session, world.a.employer, names)
    gone.user.is_active = False  # a deactivated account counts on, unnamed
    session.commit()
    # Another organisation's staff see the names the volunteers chose.
    headers = auth_headers(world.b.users[factories.Role.EMPLOYER_STAFF])

    data = client.get("/api/v1/tube-map", headers=headers, query_string={"sector": "F"}).json
    assert [(line["count"], line["named"]) for line in data["lines"]] == [
        (5, ["Ada Brick", "Ben Mortar"])
    ]
    answer = client.get("/api/v1/journeys", headers=headers, query_string={"sector": "F"})
    assert answer.json["journeys"] == 5 and "Ada Brick" not in answer.get_data(True)
    picture = client.get("/api/v1/tube-map.svg", headers=headers, query_string={"sector": "F"})
    legend = ElementTree.fromstring(picture.data).find(".//*[@id='legend']")
    assert "with Ada Brick, Ben Mortar" in " ".join(legend.itertext())
    for path in NAMED_ON:  # only the names: no employer, email, id, and nobody else's
        text = client.get(path, headers=headers, query_string={"sector": "F"}).get_data(True)
        assert "Ada Brick" in text
        for hidden in ("Zeb", "Cyd Gone", ada.user.email, str(ada.id), world.a.employer.name):
            assert hidden not in text, (path, hidden)
    elsewhere = client.get("/api/v1/tube-map", headers=headers, query_string={"sector": "Q"})
    assert "Ada Brick" not in elsewhere.get_data(True)  # a filter the journey misses

    volunteer_headers = auth_headers(ben.user)
    withdrawn = put_journey(
        client, volunteer_headers, ben, {"steps": BRICKLAYER_AS_SHOWN, "shared": True}
    )
    assert withdrawn.status_code == 200 and withdrawn.json["named"] is False
    data = client.get("/api/v1/tube-map", headers=headers, query_string={"sector": "F"}).json
    assert [line["named"] for line in data["lines"]] == [["Ada Brick"]]


def test_the_minimum_count_cannot_go_below_the_servers_floor(client, world, auth_headers):
    headers = auth_headers(world.a.users[factories.Role.SCHOOL_STAFF])
    response = client.get("/api/v1/tube-map", headers=headers, query_string={"min_count": 1})
    assert response.status_code == 422
    assert response.json["errors"] == {"min_count": ["At least 5."]}
    higher = client.get("/api/v1/journeys", headers=headers, query_string={"min_count": 8})
    assert higher.json["min_count"] == 8


CSV_HEADER = "email,kind,sector,soc_minor_group,qualification_type,route,level,start_year\n"


def test_employers_import_journeys_all_or_nothing(client, session, world, auth_headers):
    headers = {
        **auth_headers(world.a.users[factories.Role.EMPLOYER_STAFF]),
        "Content-Type": "text/csv",
    }
    url = f"/api/v1/employers/{world.a.employer.id}/journeys/import"
    email = world.a.volunteer.user.email
    good = (
        f"{email},qualification,,,gcse,school,2,2008\n{email},role,F,531,,apprenticeship,2,2013\n"
    )
    bad = good + (
        f"{email},qualification,F,,hnc,higher_technical,3,2016\n"  # an HNC is Level 4
        f"{world.b.volunteer.user.email},qualification,,,gcse,school,2,2008\n"  # not theirs
        "nobody@example.org,qualification,,,gcse,school,seven,2008\n"
    )

    refused = client.post(url, data=CSV_HEADER + bad, headers=headers)
    assert refused.status_code == 422
    assert set(refused.json["errors"]) == {"4", "5", "6"}
    assert "level" in refused.json["errors"]["4"]
    assert refused.json["errors"]["5"] == {"email": ["No volunteer of this employer."]}
    assert session.scalars(select(Journey)).all() == []

    imported = client.post(url, data=CSV_HEADER + good, headers=headers)
    assert imported.status_code == 200, imported.json
    assert (imported.json["rows"], imported.json["created"]) == (2, 1)
    stored = session.scalars(select(Journey)).one()
    assert [step["soc_minor_group"] for step in stored.steps] == [None, 531]
    assert stored.shared is False  # an employer never shares a journey for anyone


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        yield launched
        launched.close()


def test_the_svg_renders_in_headless_chromium(
    client, session, world, auth_headers, browser, tmp_path
):
    rng = random.Random(3)
    for _ in range(60):
        volunteer = factories.volunteer(session, world.a.employer)
        factories.journey(session, volunteer, demo.journeys.sample(rng, this_year=2026, sector="F"))
    session.commit()
    headers = auth_headers(world.a.users[factories.Role.SCHOOL_STAFF])
    graph = client.get("/api/v1/tube-map", headers=headers, query_string={"sector": "F"}).json
    response = client.get("/api/v1/tube-map.svg", headers=headers, query_string={"sector": "F"})
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    root = ElementTree.fromstring(response.data)
    assert graph["lines"], "the sample should make lines"
    ids = {element.get("id") for element in root.iter()}
    assert {line["id"] for line in graph["lines"]} <= ids
    assert {f"station-{s['id']}" for s in graph["stations"] if s["lines"]} <= ids
    width, height = math.ceil(float(root.get("width"))), math.ceil(float(root.get("height")))

    picture = tmp_path / "map.svg"
    picture.write_bytes(response.data)
    page = browser.new_page(viewport={"width": width, "height": height})
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(picture.as_uri())
    png = page.screenshot()  # the viewport is the picture's size
    labels = page.evaluate(
        "[...document.querySelectorAll('g.station text')].map(t => {"
        "const b = t.getBBox(); return [b.x, b.y, b.x + b.width, b.y + b.height]; })"
    )
    page.close()

    assert problems == []
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (width, height)
    assert len(labels) == sum(1 for s in graph["stations"] if s["lines"])
    overlapping = [
        (a, b)
        for i, a in enumerate(labels)
        for b in labels[i + 1 :]
        if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
    ]
    assert overlapping == [], "labels overlap as the browser draws them"
    paths = {p.get("id"): path_points(p.get("d")) for p in root.iter() if p.get("class") == "line"}
    assert crossings(paths, labels, pad=LINE_WIDTH / 2) == [], "a line crosses a label"


def test_the_cli_imports_journeys_all_or_nothing_with_a_progress_bar(app, session, world, tmp_path):
    runner = app.test_cli_runner()
    email = world.a.volunteer.user.email
    bad = tmp_path / "bad.csv"
    bad.write_text(CSV_HEADER + f"{email},qualification,,,gcse,school,2,2999\n")
    good = tmp_path / "good.csv"
    good.write_text(CSV_HEADER + f"{email},qualification,,,gcse,school,2,2008\n")
    args = ["journeys", "import", "--employer", str(world.a.employer.id)]

    refused = runner.invoke(args=[*args[:2], str(bad), *args[2:]])
    assert refused.exit_code != 0
    assert "line 2: start_year: No future years" in refused.output
    assert session.scalars(select(Journey)).all() == []

    done = runner.invoke(args=[*args[:2], str(good), *args[2:]])
    assert done.exit_code == 0, done.output
    assert "checking" in done.output  # the progress bar
    assert "1 rows: 1 created, 0 updated." in done.output
    session.expire_all()
    assert len(session.scalars(select(Journey)).one().steps) == 1


def test_a_need_asking_for_role_models_ranks_the_journeys_it_asks_for(
    client, session, world, auth_headers
):
    need = factories.need(
        session, world.a.school, role_model_journeys=["started_at_level_2", "apprenticeship"]
    )
    trades, graduate, private, anonymous = (
        factories.volunteer(session, world.a.employer) for _ in "abcd"
    )
    factories.journey(session, trades, named=True)  # GCSEs at Level 2, then an apprenticeship
    factories.journey(session, anonymous)  # the same kind, shared without a name
    degree = [
        factories.qualification_step("a_level", 3, 2008, route="sixth_form"),
        factories.qualification_step("bachelors_degree", 6, 2010, route="university"),
    ]
    factories.journey(session, graduate, degree)
    factories.journey(session, private, shared=False)  # the same kind, not shared
    session.commit()
    headers = auth_headers(world.a.users[factories.Role.SCHOOL_STAFF])

    read = client.get(f"/api/v1/needs/{need.id}", headers=headers).json
    assert read["role_model_journeys"] == ["started_at_level_2", "apprenticeship"]
    page = client.get(f"/api/v1/needs/{need.id}/candidates", headers=headers).json
    factor = {
        item["volunteer"]["id"]: {f["factor"]: f for f in item["breakdown"]}["role_model"]
        for item in page["items"]
    }
    assert factor[str(trades.id)]["value"] == 1.0
    assert factor[str(private.id)]["value"] == 0.0  # an unshared journey never counts
    # Nor an anonymous one: beside the candidate's name it would name the journey.
    assert factor[str(anonymous.id)]["value"] == 0.0
    assert factor[str(graduate.id)]["value"] == 0.0
    assert factor[str(trades.id)]["weight"] == 0.03
    ranked = [item["volunteer"]["id"] for item in page["items"]]
    assert ranked.index(str(trades.id)) < ranked.index(str(private.id))
