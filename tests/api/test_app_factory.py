"""create_app reads the environment, honours overrides and refuses insecure production config."""

import datetime
import decimal
import json
import logging
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from flask import jsonify
from flask.json.provider import DefaultJSONProvider

from api.app import create_app
from api.config import InsecureConfiguration
from tests.conftest import TEST_SECRETS, app_config

STRONG_SECRETS = {
    "SECRET_KEY": "kT3vQ9xLr2Wm8ZpB4nYc6HsJ0dFgA1eU7oRiVtXy5Nq",
    "JWT_SECRET_KEY": "Z8pL2mQ7vR4tY9wX1cB6nH3jK5sD0fG8aE2uI7oP4lM",
}
SECRET_NAMES = ["SECRET_KEY", "JWT_SECRET_KEY"]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """Each test states its own environment; the developer's shell must not leak in."""
    for name in [*SECRET_NAMES, "ENGAGE_ENV", "DATABASE_URL", "MAX_CONTENT_LENGTH", "CORS_ORIGINS"]:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'engage.db'}"


def production_config(url: str, **secrets) -> dict:
    return {"ENGAGE_ENV": "production", "SQLALCHEMY_DATABASE_URI": url, **secrets}


def test_overrides_win_over_defaults(sqlite_url):
    app = create_app(
        app_config(sqlite_url, MAX_CONTENT_LENGTH=2048, CORS_ORIGINS=["https://a.example"])
    )
    assert app.config["SQLALCHEMY_DATABASE_URI"] == sqlite_url
    assert app.config["MAX_CONTENT_LENGTH"] == 2048
    assert app.config["CORS_ORIGINS"] == ["https://a.example"]
    assert app.config["SECRET_KEY"] == TEST_SECRETS["SECRET_KEY"]
    assert app.testing


def test_settings_come_from_the_environment(monkeypatch, sqlite_url):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("MAX_CONTENT_LENGTH", "4096")
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example,https://b.example")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == sqlite_url
    assert app.config["MAX_CONTENT_LENGTH"] == 4096
    assert app.config["CORS_ORIGINS"] == ["https://a.example", "https://b.example"]


def test_overrides_win_over_the_environment(monkeypatch, sqlite_url):
    monkeypatch.setenv("MAX_CONTENT_LENGTH", "4096")
    app = create_app(app_config(sqlite_url, MAX_CONTENT_LENGTH=512))
    assert app.config["MAX_CONTENT_LENGTH"] == 512


def test_the_factory_makes_independent_apps(sqlite_url):
    first = create_app(app_config(sqlite_url, MAX_CONTENT_LENGTH=1))
    second = create_app(app_config(sqlite_url))
    assert first is not second
    assert second.config["MAX_CONTENT_LENGTH"] != 1


def test_the_factory_registers_the_cli_commands(sqlite_url):
    commands = create_app(app_config(sqlite_url)).cli.list_commands(None)
    assert {"data", "demo"} <= set(commands)


def test_production_starts_with_strong_secrets(sqlite_url):
    app = create_app(production_config(sqlite_url, **STRONG_SECRETS))
    assert app.config["ENGAGE_ENV"] == "production"
    assert app.config["JWT_SECRET_KEY"] == STRONG_SECRETS["JWT_SECRET_KEY"]


def test_production_reads_strong_secrets_from_the_environment(monkeypatch, sqlite_url):
    monkeypatch.setenv("ENGAGE_ENV", "production")
    for name, value in STRONG_SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": sqlite_url})
    assert app.config["SECRET_KEY"] == STRONG_SECRETS["SECRET_KEY"]
    # Counters (login throttling included) are shared by every process, in Redis.
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"


@pytest.mark.parametrize("name", SECRET_NAMES)
@pytest.mark.parametrize(
    "weak",
    [None, "", "changeme", "short-but-random-Xy7", "SECRET", "password"],
    ids=["missing", "empty", "changeme", "short", "secret", "password"],
)
def test_production_refuses_to_start_without_a_strong_secret(sqlite_url, name, weak):
    secrets = {**STRONG_SECRETS, name: weak}
    with pytest.raises(InsecureConfiguration, match=name):
        create_app(production_config(sqlite_url, **secrets))


def test_production_refuses_a_weak_secret_from_the_environment(monkeypatch, sqlite_url):
    monkeypatch.setenv("ENGAGE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", STRONG_SECRETS["SECRET_KEY"])
    monkeypatch.setenv("JWT_SECRET_KEY", "dev")
    with pytest.raises(InsecureConfiguration, match="JWT_SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": sqlite_url})


def test_development_generates_secrets_and_says_so(sqlite_url, caplog):
    with caplog.at_level(logging.WARNING, logger="api.config"):
        app = create_app({"ENGAGE_ENV": "development", "SQLALCHEMY_DATABASE_URI": sqlite_url})
    for name in SECRET_NAMES:
        assert len(app.config[name]) >= 32
    assert app.config["SECRET_KEY"] != app.config["JWT_SECRET_KEY"]
    [warned] = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warned.startswith("SECRET_KEY and JWT_SECRET_KEY not set: generated random ones")


def test_a_cli_command_warns_about_development_secrets_once(tmp_path):
    environment = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "JWT_SECRET_KEY"}}
    environment.update(ENGAGE_ENV="development", DATABASE_URL=f"sqlite:///{tmp_path}/cli.db")
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "sessions", "--help"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert (done.stdout + done.stderr).count("not set: generated") == 1


def test_development_generates_a_different_secret_for_each_process(sqlite_url):
    config = {"ENGAGE_ENV": "development", "SQLALCHEMY_DATABASE_URI": sqlite_url}
    assert create_app(config).config["SECRET_KEY"] != create_app(config).config["SECRET_KEY"]


def test_development_keeps_a_secret_it_is_given(sqlite_url, caplog):
    with caplog.at_level(logging.WARNING, logger="api.config"):
        app = create_app(app_config(sqlite_url, ENGAGE_ENV="development"))
    assert app.config["SECRET_KEY"] == TEST_SECRETS["SECRET_KEY"]
    assert not [r for r in caplog.records if r.name == "api.config"]


def test_the_served_app_freezes_its_start_up_heap(tmp_path):
    """wsgi.py (what gunicorn and `flask run` load) takes start-up's objects out of the
    collector's reach, so no request pays for walking them in a full collection."""
    probe = "import gc, wsgi; print(gc.get_freeze_count())"
    environment = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'engage.db'}"}
    environment.pop("ENGAGE_ENV", None)
    frozen = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=Path(__file__).resolve().parents[2],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    assert int(frozen.stdout) > 50_000


def test_responses_are_flasks_json_written_faster(tmp_path):
    """The same document as Flask's own provider, keys in the same order; only non-ASCII
    text is written as UTF-8 rather than escaped."""
    app = create_app(app_config(f"sqlite:///{tmp_path / 'json.db'}"))
    value = {
        "z": [1, 2.5, None, True],
        "a": {"é": "café", "b": uuid.UUID(int=7)},
        "when": datetime.datetime(2026, 12, 2, 9, 30),
        "day": datetime.date(2026, 12, 2),
        "amount": decimal.Decimal("1.50"),
    }
    with app.app_context():
        fast = jsonify(value).get_data(as_text=True)
        standard = DefaultJSONProvider(app).response(value).get_data(as_text=True)
    assert json.loads(fast) == json.loads(standard)
    assert list(json.loads(fast)) == list(json.loads(standard)) == sorted(value)
    assert "café" in fast and "caf\\u00e9" in standard
