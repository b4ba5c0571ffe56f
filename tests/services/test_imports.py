"""What a bulk import reports: its errors listed line by line, field by field."""

from services.imports import ImportResult


def test_errors_are_listed_in_line_order_with_their_fields():
    result = ImportResult(
        rows=3, errors={4: {"email": ["Also on line 2."]}, 2: {"a": ["x"], "b": ["y", "z"]}}
    )

    assert result.error_list == [
        {"line": 2, "field": "a", "messages": ["x"]},
        {"line": 2, "field": "b", "messages": ["y", "z"]},
        {"line": 4, "field": "email", "messages": ["Also on line 2."]},
    ]
    assert not result.written and result.created == result.updated == 0


def test_a_clean_import_lists_no_errors():
    assert ImportResult(rows=2, created=2, written=True).error_list == []
