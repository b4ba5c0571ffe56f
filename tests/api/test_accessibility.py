"""The public careers-programme page and the governors' report pass axe-core in Debian's
headless Chromium, served by a real HTTP server on 127.0.0.1 (no browser is downloaded:
Playwright drives /usr/bin/chromium; `.ci/run` installs it when missing)."""

import shutil
import threading
from datetime import date

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from models.base import london_today
from models.evaluations import Term
from models.programme import PlanStatus
from models.users import Role
from services import school_years
from tests import factories

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture
def server(app):
    """The app on a real port of 127.0.0.1, for the browser."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join()


@pytest.fixture
def browser():
    assert shutil.which(CHROMIUM), "Install Debian's chromium: apt-get install -y chromium"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


def audit(browser, url: str, headers: dict | None = None) -> tuple[list, object]:
    page = browser.new_page(extra_http_headers=headers or {})
    response = page.goto(url)
    assert response.status == 200, response.status
    results = Axe().run(page)
    return results.response["violations"], page


def published_school(session, world):
    school = world.a.school
    school.careers_leader_name, school.careers_leader_email = "Ms Lead", "lead@example.org"
    start = school_years.school_year_start(london_today())
    plan = factories.programme_plan(
        session,
        school,
        academic_year=start,
        status=PlanStatus.PUBLISHED,
        summary="A planned, sequenced programme for every year group.",
        impact_measures="Compass each term and pupils' feedback.",
        next_review_on=date(start + 1, 7, 1),
    )
    factories.programme_activity(session, plan, title="Careers talks", benchmarks=[5, 2])
    factories.programme_activity(session, plan, title="Guidance", year_group=11, benchmarks=[8])
    factories.self_evaluation(session, school, academic_year=start, term=Term.AUTUMN)
    factories.leaver(session, school, leaving_year=start - 1)
    session.commit()
    return school


def test_the_publication_page_passes_axe(server, browser, session, world):
    school = published_school(session, world)
    violations, page = audit(browser, f"{server}/api/v1/schools/{school.id}/careers-programme.html")
    assert violations == [], [v["id"] for v in violations]
    assert page.locator("h1").inner_text().startswith("Our careers programme")
    assert page.evaluate("document.scripts.length") == 0


def test_the_governors_report_passes_axe(server, browser, session, world, auth_headers):
    school = published_school(session, world)
    headers = auth_headers(world.a.users[Role.SCHOOL_STAFF])
    violations, page = audit(
        browser, f"{server}/api/v1/schools/{school.id}/governors-report.html", headers
    )
    assert violations == [], [(v["id"], v["nodes"][0]["html"]) for v in violations]
    # The charts load (the page's policy allows its own data: images, nothing else).
    widths = page.evaluate("[...document.images].map(i => i.naturalWidth)")
    assert len(widths) == 4 and all(w > 0 for w in widths)
