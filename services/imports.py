"""What a bulk import reports (rows read, rows written, every error by line and field), and
the words its yes/no columns may hold."""

from dataclasses import dataclass, field

Errors = dict[str, list[str]]
# Compared with the lower-cased cell; an empty cell is no.
TRUE_WORDS = frozenset({"1", "true", "yes", "y"})
FALSE_WORDS = frozenset({"0", "false", "no", "n", ""})


@dataclass
class ImportResult:
    """Errors are keyed by the CSV line number (the header is line 1)."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    written: bool = False
    errors: dict[int, Errors] = field(default_factory=dict)

    @property
    def error_list(self) -> list[dict]:
        return [
            {"line": line, "field": name, "messages": messages}
            for line, fields in sorted(self.errors.items())
            for name, messages in fields.items()
        ]
