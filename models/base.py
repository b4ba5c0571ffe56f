"""Declarative base: UUID keys, aware UTC timestamps, Alembic naming convention."""

import enum
import sqlite3
import uuid
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, Engine, Enum, MetaData, TypeDecorator, Uuid, event
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
LONDON = "Europe/London"  # school days, visits and calendars keep London's wall-clock time


def utcnow() -> datetime:
    return datetime.now(UTC)


def london_date(moment: datetime) -> date:
    """The school day (Europe/London) an aware moment falls on."""
    return moment.astimezone(ZoneInfo(LONDON)).date()


def london_today() -> date:
    """Today as schools date it: at 00:30 BST it is already tomorrow there, not in UTC."""
    return london_date(datetime.now(UTC))


def london_now() -> datetime:
    """Now on London's wall clock (aware), against which slots' start times are read."""
    return datetime.now(ZoneInfo(LONDON))


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC and always returns aware datetimes, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
        value = value.astimezone(UTC)
        # SQLite has no time zone type: keep naive UTC there.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def enum_column(enum_class: type[enum.Enum], name: str | None = None) -> Enum:
    """Store an enum by its value, as a portable VARCHAR with a CHECK constraint (named
    after the enum unless `name` keeps an older constraint's name)."""
    return Enum(
        enum_class,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        name=name or enum_class.__name__.lower(),
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, uuid.UUID: Uuid}


class UUIDPrimaryKey:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, _record) -> None:
    """SQLite enforces foreign keys only when asked, and waits on locks only when told.
    Write-ahead logging lets readers go on while one writer commits, and with
    `synchronous=NORMAL` a commit no longer waits for the disk (~35 ms here): a crash
    keeps every committed transaction, a power cut may lose the last few."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
