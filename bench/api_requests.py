"""Server cost per request, in-process: a bare endpoint, an authenticated no-op, a 50-row list.

DESIGN.md's budget: an authenticated 50-row list costs at most 3x the authenticated no-op.
Usage: python bench/api_requests.py [DATABASE_URL]   (default: a temporary SQLite file)
It builds its own database (migrations, reference data, demo), so it never touches yours.
"""

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade  # noqa: E402

from api.app import create_app, freeze_startup_heap  # noqa: E402
from api.extensions import db  # noqa: E402
from services import demo, reference_data  # noqa: E402

SECRETS = {
    "SECRET_KEY": "b" * 48,
    "JWT_SECRET_KEY": "c" * 48,
    "RATELIMIT_DEFAULT": "1000000 per minute",
}
ROUNDS = 400


def build_app(url: str):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "ENGAGE_ENV": "bench", **SECRETS})
    with app.app_context():
        upgrade()
        reference_data.load_all(db.session)
        demo.seed(db.session)
        db.session.commit()
    return app


def per_request_ms(client, path: str, headers: dict) -> tuple[float, float]:
    for _ in range(20):  # warm up
        assert client.get(path, headers=headers).status_code == 200
    samples = []
    for _ in range(ROUNDS):
        start = time.process_time()
        client.get(path, headers=headers)
        samples.append((time.process_time() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95)]


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    app = build_app(url)
    freeze_startup_heap()  # as wsgi.py does before serving
    client = app.test_client()
    login = {"email": "coordinator@demo.engage.example", "password": demo.DEMO_PASSWORD}
    token = client.post("/api/v1/auth/login", json=login).get_json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    rows = [
        ("bare endpoint (GET /healthz)", "/healthz", {}),
        ("authenticated no-op (GET /api/v1/me)", "/api/v1/me", auth),
        ("authenticated 50-row list (GET /api/v1/schools)", "/api/v1/schools?page_size=50", auth),
    ]
    print(f"database: {url.split(':')[0]}, {ROUNDS} requests each, CPU ms per request")
    print(f"{'request':<52} {'p50':>7} {'p95':>7}")
    results = {}
    for name, path, headers in rows:
        results[name] = per_request_ms(client, path, headers)
        print(f"{name:<52} {results[name][0]:>7.2f} {results[name][1]:>7.2f}")
    noop, listing = results[rows[1][0]][0], results[rows[2][0]][0]
    print(f"list / no-op at p50: {listing / noop:.2f}x (budget: 3x)")


if __name__ == "__main__":
    main()
