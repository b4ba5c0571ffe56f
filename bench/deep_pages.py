"""Deep pages of a long list: by page number (OFFSET) and by the `next` link's cursor.

    .venv/bin/python bench/deep_pages.py [--rows 200000] [--runs 30]

Builds a temporary SQLite database (and, when TEST_DATABASE_URL or DATABASE_URL names a
PostgreSQL server, a throw-away schema there), migrated by Alembic, with `--rows` audit
log entries, then times GET /api/v1/audit-log through the app as an admin, a page of 20:
  first    the first page
  offset   a page half-way down by its number (`page=`): the database reads and drops
           every row before it
  cursor   the same page by the cursor the page before it hands out in its `next` link
           (`after=`): read from the index at the cursor
Each the median and p95 of `--runs`; the count behind X-Pagination stops at 10,000 rows
in every case (services.pagination).
"""

import argparse
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from harness import on_each_database, percentiles  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402

from api.app import create_app, freeze_startup_heap  # noqa: E402
from api.extensions import db  # noqa: E402
from api.security import issue_user_tokens  # noqa: E402
from models.audit import AuditEntry  # noqa: E402
from models.organisations import Organisation, OrganisationKind  # noqa: E402
from models.users import Role, User  # noqa: E402
from services.pagination import paginate_by_keyset  # noqa: E402

SECRETS = {"SECRET_KEY": "f" * 48, "JWT_SECRET_KEY": "g" * 48}
PAGE_SIZE = 20
KEYSET = (AuditEntry.occurred_at.desc(), AuditEntry.id)


def build(app, rows: int) -> tuple[str, str]:
    """The audit rows and an admin; returns the admin's token and the cursor half-way."""
    start = datetime(2026, 9, 1, tzinfo=UTC)
    with app.app_context():
        session = db.session
        platform = Organisation(kind=OrganisationKind.PLATFORM, name="Engage")
        session.add(platform)
        session.flush()
        admin = User(
            email="admin@bench.example",
            name="Admin",
            password_hash="!",
            role=Role.ADMIN,
            organisation_id=platform.id,
        )
        session.add(admin)
        batch = [
            {
                "id": uuid.uuid4(),
                "occurred_at": start + timedelta(seconds=i),
                "action": "bench.written",
                "object_type": "bench",
                "object_id": str(i),
            }
            for i in range(rows)
        ]
        for begin in range(0, rows, 10_000):
            session.execute(insert(AuditEntry), batch[begin : begin + 10_000])
        session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text("VACUUM ANALYZE audit_log"))
        token = issue_user_tokens(admin)["access_token"]
        half = rows // 2 // PAGE_SIZE  # the page before the one half-way down
        before = paginate_by_keyset(
            session, select(AuditEntry), keyset=KEYSET, page=half, page_size=PAGE_SIZE
        )
    return token, before.after  # the cursor its `next` link hands out


def timed(client, url: str, headers: dict, runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs + 3):
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200, response.get_json()
    return percentiles(samples[3:])


def run(label: str, url: str, rows: int, runs: int) -> list[tuple]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False, **SECRETS})
    with app.app_context():
        upgrade()
    token, cursor = build(app, rows)
    freeze_startup_heap()
    client, headers = app.test_client(), {"Authorization": f"Bearer {token}"}
    base = f"/api/v1/audit-log?page_size={PAGE_SIZE}"
    half = rows // 2 // PAGE_SIZE + 1
    return [
        (label, "first", *timed(client, base, headers, runs)),
        (label, f"offset (page {half:,})", *timed(client, f"{base}&page={half}", headers, runs)),
        (label, "cursor (same page)", *timed(client, f"{base}&after={cursor}", headers, runs)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    rows = on_each_database(lambda label, url: run(label, url, args.rows, args.runs))
    print(
        f"\nGET /api/v1/audit-log, {args.rows:,} entries, a page of {PAGE_SIZE}, {args.runs} runs"
    )
    print(f"{'database':<11} {'page':<24} {'p50 ms':>8} {'p95 ms':>8}")
    for label, page, p50, p95 in rows:
        print(f"{label:<11} {page:<24} {p50 * 1000:>8.1f} {p95 * 1000:>8.1f}")


if __name__ == "__main__":
    main()
