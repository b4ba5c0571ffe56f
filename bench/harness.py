"""What the benchmarks share: the PostgreSQL server named in the environment, a throw-away
schema on it, each database in turn, and the percentiles they print."""

import os
import statistics
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text


def postgres_url() -> str | None:
    """TEST_DATABASE_URL or DATABASE_URL when it names a PostgreSQL server."""
    for name in ("TEST_DATABASE_URL", "DATABASE_URL"):
        url = os.environ.get(name, "")
        if url.startswith("postgresql"):
            return url
    return None


@contextmanager
def throwaway_schema(url: str) -> Iterator[str]:
    """A URL for a new schema on the server, dropped with everything in it afterwards."""
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


def on_each_database(run: Callable[[str, str], list]) -> list:
    """`run(label, url)` on a temporary SQLite file, then (when the environment names a
    server) in a throw-away PostgreSQL schema; their rows, in that order."""
    with tempfile.TemporaryDirectory() as directory:
        rows = run("sqlite", f"sqlite:///{directory}/bench.db")
    url = postgres_url()
    if url:
        with throwaway_schema(url) as scoped:
            rows += run("postgresql", scoped)
    return rows


def percentiles(samples: list[float]) -> tuple[float, float]:
    """(median, p95) of the samples."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95
