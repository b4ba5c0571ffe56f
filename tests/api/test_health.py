from api.app import create_app
from tests.conftest import app_config


def test_healthz_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_answers_ready_when_the_database_is_reachable(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready"}


def test_readyz_answers_503_problem_when_the_database_is_unreachable(tmp_path):
    # A SQLite path inside a missing directory cannot be opened.
    app = create_app(app_config(f"sqlite:///{tmp_path}/missing/dir/engage.db"))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.content_type == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == 503
    assert problem["type"] == "/problems/unavailable"
    assert "Traceback" not in response.get_data(as_text=True)
