"""Interactive API docs at /api/docs, served entirely from the app (no CDN).

Swagger UI 5 (which renders OpenAPI 3.1) comes from the `swagger-ui-py` package's
bundled static files; its Apache 2.0 LICENSE is served beside them.
"""

from importlib.resources import files

from flask import Blueprint, Response, send_from_directory, url_for
from werkzeug.exceptions import NotFound

SWAGGER_UI_DIR = str(files("swagger_ui") / "static")
SWAGGER_UI_FILES = {
    "swagger-ui.css",
    "swagger-ui-bundle.js",
    "swagger-ui-standalone-preset.js",
    "favicon-32x32.png",
    "LICENSE",
}
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

blp = Blueprint(
    "docs", __name__, url_prefix="/api/docs", static_folder="static/docs", static_url_path="/static"
)

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Engage API docs</title>
  <link rel="icon" href="{favicon}">
  <link rel="stylesheet" href="{css}">
</head>
<body data-spec-url="{spec}">
  <div id="swagger-ui"></div>
  <script src="{bundle}"></script>
  <script src="{preset}"></script>
  <script src="{init}"></script>
</body>
</html>
"""


@blp.get("")
@blp.get("/")
def page():
    html = PAGE.format(
        favicon=url_for(".swagger_ui", filename="favicon-32x32.png"),
        css=url_for(".swagger_ui", filename="swagger-ui.css"),
        bundle=url_for(".swagger_ui", filename="swagger-ui-bundle.js"),
        preset=url_for(".swagger_ui", filename="swagger-ui-standalone-preset.js"),
        init=url_for(".static", filename="init.js"),
        spec=url_for("api-docs.openapi_json"),
    )
    return Response(html, mimetype="text/html", headers={"Content-Security-Policy": DOCS_CSP})


@blp.get("/swagger-ui/<path:filename>")
def swagger_ui(filename: str):
    if filename not in SWAGGER_UI_FILES:
        raise NotFound()
    response = send_from_directory(SWAGGER_UI_DIR, filename, max_age=86400)
    response.headers["Content-Security-Policy"] = DOCS_CSP
    return response
