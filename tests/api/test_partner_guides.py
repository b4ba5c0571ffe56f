"""The README's partner guides work with the demo's partner app: it holds every scope they use."""

import re
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from api.app import create_app
from services.demo.base import DEMO_CLIENT_SCOPES
from tests.conftest import app_config

README = Path(__file__).resolve().parents[2] / "README.md"
API = "http://127.0.0.1:5000/api/v1"


def partner_calls() -> list[tuple[str, str]]:
    """(method, path) of each curl in the README that sends the partner app's $TOKEN."""
    text = README.read_text(encoding="utf-8").replace("\\\n", " ")
    calls = []
    for line in text.splitlines():
        if "curl " not in line or "Bearer $TOKEN" not in line:
            continue
        line = re.sub(r"<[^>]*>", str(uuid.uuid4()), line)
        line = re.sub(r"\$(?!API\b|TOKEN\b)[A-Z_]+", str(uuid.uuid4()), line)  # $OFFER…
        method = re.search(r"-X (\w+)", line)
        url = re.search(r"(?:\$API|" + re.escape(API) + r")(/[^\s\"']*)", line)
        calls.append((method[1] if method else "GET", "/api/v1" + urlsplit(url[1]).path))
    return calls


def test_the_demo_partner_app_holds_every_scope_the_guides_use():
    app = create_app(app_config("sqlite://"))
    adapter = app.url_map.bind("127.0.0.1")
    calls = partner_calls()
    assert len(calls) >= 4  # the guides' calls were found
    missing = []
    for method, path in calls:
        endpoint, _ = adapter.match(path, method=method)
        view = app.view_functions[endpoint]
        handler = getattr(view.view_class, method.lower())
        scope = handler.access_policy.scope
        if scope not in DEMO_CLIENT_SCOPES:
            missing.append((method, path, scope))
    assert missing == []
