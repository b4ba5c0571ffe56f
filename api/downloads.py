"""Answers that are documents, not JSON: CSV exports of reports and server-rendered pages.

A report that also answers CSV documents it with `csv_doc(columns)` beside its JSON schema
and answers CSV when `wants_csv(args)`: its `format=csv` query argument, or else an
`Accept: text/csv` header.
"""

import csv
import io

from flask import Response, request

from api.http import PAGE_CSP

CSV = "text/csv"
HTML = "text/html"


def csv_doc(columns) -> dict:
    """The `blp.doc` of a report that also answers CSV: its header line as the example."""
    example = {"schema": {"type": "string"}, "example": ",".join(columns) + "\n"}
    return {"responses": {200: {"content": {CSV: example}}}}


def wants_csv(args: dict) -> bool:
    if "format" in args:
        return args["format"] == "csv"
    return request.accept_mimetypes.best_match(["application/json", CSV]) == CSV


def csv_response(rows: list[dict], name: str, columns) -> Response:
    """`rows` as a CSV attachment `{name}.csv`, one column each of `columns`, in order."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return Response(
        out.getvalue(),
        mimetype=CSV,
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


def page_response(page: str, *, cache_control: str) -> Response:
    """A server-rendered HTML page: its own styles and images, no script."""
    headers = {"Cache-Control": cache_control, "Content-Security-Policy": PAGE_CSP}
    return Response(page, mimetype=HTML, headers=headers)
