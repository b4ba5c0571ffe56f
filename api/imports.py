"""CSV bulk imports over HTTP and the CLI: read rows, check each against a schema, report
every error by line and field."""

import csv
import io

import marshmallow as ma
from flask import request

from api.smorest import Schema
from services.errors import InvalidInput
from services.imports import ImportResult

MAX_LISTED_ERRORS = 100  # lines listed in a refusal; the detail gives the full count
NUL = "\x00"

# A CSV import takes the file as the body, or as a form's `file` field: what a browser's
# file input and clients generated from the spec send.
FILE_FIELD = "file"


def csv_body(columns, example: str) -> dict:
    """The OpenAPI request body of a CSV import: its columns and an example file (its media
    types are the ones `Blueprint.imports` accepts)."""
    return {
        "required": True,
        "description": "A CSV file with a header row, UTF-8, without NUL characters. "
        f"Columns: {', '.join(columns)}.",
        "content": {
            "text/csv": {"schema": {"type": "string"}, "example": example},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": [FILE_FIELD],
                    "properties": {
                        FILE_FIELD: {
                            "type": "string",
                            "format": "binary",
                            "description": "The CSV file, as in the text/csv example.",
                        }
                    },
                },
                "encoding": {FILE_FIELD: {"contentType": "text/csv"}},
            },
        },
    }


class ImportArgsSchema(Schema):
    partial = ma.fields.Boolean(
        load_default=False,
        metadata={
            "description": "Write the valid rows even when others have errors "
            "(by default one bad row means nothing is written)."
        },
    )


class ImportErrorSchema(Schema):
    line = ma.fields.Integer(required=True, metadata={"description": "CSV line (header = 1)."})
    field = ma.fields.String(required=True)
    messages = ma.fields.List(ma.fields.String(), required=True)


class ImportResultSchema(Schema):
    rows = ma.fields.Integer(required=True)
    created = ma.fields.Integer(required=True)
    updated = ma.fields.Integer(required=True)
    written = ma.fields.Boolean(required=True)
    errors = ma.fields.List(
        ma.fields.Nested(ImportErrorSchema), attribute="error_list", required=True
    )


def decode_csv(data: bytes) -> str:
    """A CSV body as text: strictly UTF-8 (a byte-order mark is dropped), or a 422 naming
    the line of the first byte that is not, rather than storing replacement characters."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = str(data.count(b"\n", 0, error.start) + 1)
        raise InvalidInput(
            f"The CSV file is not UTF-8 text (line {line}).",
            errors={line: {"_file": ["Save the file as UTF-8 (CSV UTF-8) and send it again."]}},
        ) from None


def request_csv() -> str:
    """The request's CSV file (the body, or a form's `file` field), decoded strictly."""
    if request.mimetype == "multipart/form-data":
        upload = request.files.get(FILE_FIELD)
        if upload is None:
            raise InvalidInput(
                "Send the CSV file in the form's `file` field.",
                errors={FILE_FIELD: ["Missing data for required field."]},
            )
        return decode_csv(upload.read())
    return decode_csv(request.get_data())


def read_csv(text: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header and `(line, {column: cell})` per data row; blank rows are skipped. A NUL
    character anywhere (PostgreSQL text cannot hold one) is refused, naming its line."""
    if NUL in text:
        line = str(text.count("\n", 0, text.index(NUL)) + 1)
        raise InvalidInput(
            f"The CSV file contains a NUL character (line {line}).",
            errors={line: {"_file": ["May not contain the NUL character (U+0000)."]}},
        )
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    rows = []
    try:
        header = [name.strip() for name in reader.fieldnames or []]
        for raw in reader:
            cells = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k is not None}
            if any(cells.values()):
                rows.append((reader.line_num, cells))
    except csv.Error as error:  # such as a bare carriage return inside an unquoted field
        line = str(max(reader.line_num, 1))
        raise InvalidInput(
            f"The CSV file cannot be read at line {line}.", errors={line: {"_file": [str(error)]}}
        ) from None
    if not header:
        raise InvalidInput("The CSV file is empty.", errors={"1": {"_file": ["No header row."]}})
    return header, rows


def read_rows(text: str, columns, required) -> tuple[list[tuple[int, dict[str, str]]], dict]:
    """The data rows of a CSV (as `read_csv`) and, where its header has a column not among
    `columns` or lacks one of `required`, no rows but line 1's errors by column."""
    header, rows = read_csv(text)
    problems = {name: ["Unknown column."] for name in sorted(set(header) - set(columns))}
    problems |= {name: ["Missing column."] for name in required if name not in header}
    return ([], {1: problems}) if problems else (rows, {})


def refuse_if_not_written(result: ImportResult) -> ImportResult:
    """One success answer per view: an import that wrote nothing is a 422 listing its errors
    (the first MAX_LISTED_ERRORS lines of them; the detail counts them all)."""
    if not result.written:
        bad = len(result.errors)
        listed = sorted(result.errors.items())[:MAX_LISTED_ERRORS]
        shown = f" (the first {len(listed)} are listed)" if bad > len(listed) else ""
        raise InvalidInput(
            f"{bad} of {result.rows} rows have errors; nothing was written{shown}.",
            errors={str(line): fields for line, fields in listed},
        )
    return result
