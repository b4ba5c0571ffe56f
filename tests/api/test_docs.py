"""The interactive docs at /api/docs load entirely from the app: no CDN, no inline script."""

import re
from html.parser import HTMLParser

DOCS_PAGE = "/api/docs"
ASSETS = "/api/docs/swagger-ui"


class AssetCollector(HTMLParser):
    """Collects every URL the page makes the browser fetch."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            self._in_script = True
            if "src" in attributes:
                self.urls.append(attributes["src"])
        if tag == "link":
            self.urls.append(attributes["href"])
        if "data-spec-url" in attributes:
            self.urls.append(attributes["data-spec-url"])

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline_scripts += 1


def collect_assets(html: str) -> AssetCollector:
    collector = AssetCollector()
    collector.feed(html)
    return collector


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for directive in filter(None, (part.strip() for part in header.split(";"))):
        name, *values = directive.split()
        directives[name] = values
    return directives


def test_the_docs_page_is_html(client):
    response = client.get(DOCS_PAGE)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert 'id="swagger-ui"' in response.get_data(as_text=True)


def test_every_asset_of_the_docs_page_is_same_origin_and_loads_from_the_app(client):
    page = collect_assets(client.get(DOCS_PAGE).get_data(as_text=True))
    # favicon, stylesheet, bundle, preset, initialiser and the spec itself
    assert len(page.urls) == 6
    for url in page.urls:
        assert url.startswith("/") and not url.startswith("//"), url
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.content_length or response.get_data(), url


def test_the_docs_page_references_the_apps_own_spec(client):
    html = client.get(DOCS_PAGE).get_data(as_text=True)
    assert 'data-spec-url="/api/v1/openapi.json"' in html


def test_the_docs_page_names_no_external_url(client):
    html = client.get(DOCS_PAGE).get_data(as_text=True)
    assert not re.search(r"https?://", html)
    assert "//" not in html.replace("<!doctype", "")


def test_the_docs_page_has_no_inline_script(client):
    page = collect_assets(client.get(DOCS_PAGE).get_data(as_text=True))
    assert page.inline_scripts == 0


def test_the_docs_page_has_a_restrictive_content_security_policy(client):
    policy = csp_directives(client.get(DOCS_PAGE).headers["Content-Security-Policy"])
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    sources = [value for values in policy.values() for value in values]
    assert not any("http" in source or source == "*" for source in sources)


def test_the_bundled_swagger_ui_is_version_5(client):
    # Swagger UI renders OpenAPI 3.1 from version 5 on; the bundle states its own version.
    bundle = client.get(f"{ASSETS}/swagger-ui-bundle.js").get_data(as_text=True)
    [version] = re.findall(r'PACKAGE_VERSION:"(\d+\.\d+\.\d+)"', bundle)
    assert version.split(".")[0] == "5"


def test_the_swagger_ui_licence_is_served(client):
    response = client.get(f"{ASSETS}/LICENSE")
    assert response.status_code == 200
    assert "Apache License" in response.get_data(as_text=True)


def test_assets_are_cacheable_by_the_browser(client):
    response = client.get(f"{ASSETS}/swagger-ui.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    assert "max-age=86400" in response.headers["Cache-Control"]


def test_an_unknown_asset_is_a_404_problem(client):
    for name in ["swagger-editor.js", "nope.js", "../__init__.py", "oauth2-redirect.html"]:
        response = client.get(f"{ASSETS}/{name}")
        assert response.status_code == 404, name
        assert response.content_type == "application/problem+json", name
        assert response.get_json()["status"] == 404


def test_the_docs_answer_with_a_trailing_slash_too(client):
    with_slash = client.get(DOCS_PAGE + "/")
    assert with_slash.status_code == 200
    assert with_slash.data == client.get(DOCS_PAGE).data


def test_swagger_ui_sends_the_document_to_no_online_validator(client):
    init = client.get("/api/docs/static/init.js")
    assert init.status_code == 200
    assert "validatorUrl: null" in init.get_data(as_text=True)
