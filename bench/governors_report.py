"""The governors' report at size: a 1,500-pupil school with about 100,000 attendance rows,
a programme plan, three terms of self-evaluations and 600 leavers.

    .venv/bin/python bench/governors_report.py [--pupils 1500] [--attendance 100000]
        [--runs 10] [--database-url URL]

Builds a temporary SQLite database migrated by Alembic (or uses `--database-url`, such as
an empty PostgreSQL database), then times, for 2025-26 in the spring term:
  html   services.governors_report: the figures and the HTML page with its four charts
  pdf    the figures and the A4 PDF
  and both again over HTTP (`GET /api/v1/schools/{id}/governors-report.html` and `.pdf`),
  with the token check: the time a careers leader waits.
Targets (issue 19): HTML <= 1 s, PDF <= 3 s.
"""

import argparse
import random
import sys
import tempfile
import uuid
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402

from api.app import create_app, freeze_startup_heap  # noqa: E402
from api.extensions import db  # noqa: E402
from bench.benchmarks_report import SECRETS, add_school, timed, token_for  # noqa: E402
from models.destinations import DestinationRecord, Leaver, Route  # noqa: E402
from models.evaluations import SelfEvaluation, Term  # noqa: E402
from models.organisations import Hub, School  # noqa: E402
from models.users import Role  # noqa: E402
from services import demo, evaluations, governors_report  # noqa: E402
from services.callers import Caller  # noqa: E402

YEAR = 2025
TODAY = date(2026, 3, 2)


def build(session, args) -> uuid.UUID:
    rng = random.Random(19)
    hub = Hub(name="Bench hub", area="Leeds")
    session.add(hub)
    session.commit()
    school_id = add_school(session, rng, hub.id, 910000, args.pupils, args.attendance)
    school = session.get(School, school_id)
    demo.programme._plan(session, school, uuid.uuid4(), YEAR, published=True)
    for term, start in ((Term.SUMMER, YEAR - 1), (Term.AUTUMN, YEAR), (Term.SPRING, YEAR)):
        answers = {
            cid: {"met": rng.random() < 0.6, "evidence": "Bench evidence"}
            for b in evaluations.SCHOOL_ANSWERED
            for cid in evaluations.CRITERIA[b]
        }
        session.add(
            SelfEvaluation(
                school_id=school_id,
                academic_year=start,
                term=term,
                answers=answers,
                computed={"3": 40.0, "5": 50.0, "6": 30.0, "7": 20.0, "8": 60.0},
            )
        )
    for i in range(600):
        leaver = Leaver(
            school_id=school_id,
            reference=f"L{i:04d}",
            leaving_year=YEAR - 1 - i % 3,
            year_group=11 if i % 2 else 13,
            disadvantaged=rng.random() < 0.3,
            send=rng.random() < 0.12,
        )
        route = rng.choice(list(Route))
        leaver.records.append(
            DestinationRecord(
                stage=0,
                route=route,
                education_level=3 if route is Route.EDUCATION else None,
                recorded_on=date(YEAR, 10, 1),
            )
        )
        session.add(leaver)
    session.commit()
    return school_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pupils", type=int, default=1500)
    parser.add_argument("--attendance", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        url = args.database_url or f"sqlite:///{directory}/bench.db"
        label = url.split(":", 1)[0].split("+", 1)[0]
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False, "LOG_LEVEL": "WARNING"}
            | SECRETS
        )
        with app.app_context():
            upgrade()
            session = db.session
            school_id = build(session, args)
            freeze_startup_heap()
            school = session.get(School, school_id)

            def html():
                data = governors_report.assemble(session, school, YEAR, Term.SPRING, TODAY)
                governors_report.render_html(data)

            def pdf():
                data = governors_report.assemble(session, school, YEAR, Term.SPRING, TODAY)
                return governors_report.render_pdf(data)

            pages = pdf().count(b"/Type /Page\n") or pdf().count(b"/Type /Page")
            rows = [
                ("html", "service", *timed(html, args.runs)),
                ("pdf", "service", *timed(pdf, args.runs)),
            ]
            token = token_for(session, Caller(role=Role.SCHOOL_STAFF, organisation_id=school_id))
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}

        def get(suffix: str):
            path = f"/api/v1/schools/{school_id}/governors-report{suffix}?academic_year=2025-26"
            response = client.get(path, headers=headers)
            assert response.status_code == 200, response.status_code

        rows += [("html", "http", *timed(lambda: get(".html"), args.runs))]
        rows += [("pdf", "http", *timed(lambda: get(".pdf"), args.runs))]
    budget = {"html": 1.0, "pdf": 3.0}
    print(f"{label}: {args.pupils} pupils, ~{args.attendance} attendance rows, PDF pages ~{pages}")
    print(f"{'db':8} {'report':6} {'via':8} {'median ms':>10} {'worst ms':>10} {'budget ms':>10}")
    for kind, via, median, worst in rows:
        print(
            f"{label:8} {kind:6} {via:8} {median * 1000:10.1f} {worst * 1000:10.1f} "
            f"{budget[kind] * 1000:10.0f}"
        )


if __name__ == "__main__":
    main()
