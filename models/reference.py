"""Public reference data: postcodes, outcodes, SIC 2007 sectors, RQF levels."""

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class Postcode(Base):
    __tablename__ = "postcodes"

    postcode: Mapped[str] = mapped_column(String(8), primary_key=True)
    latitude: Mapped[float]
    longitude: Mapped[float]


class Outcode(Base):
    __tablename__ = "outcodes"

    outcode: Mapped[str] = mapped_column(String(4), primary_key=True)
    latitude: Mapped[float]
    longitude: Mapped[float]
    country: Mapped[str] = mapped_column(String(32))
    local_authority: Mapped[str | None] = mapped_column(String(100))


class SicSection(Base):
    __tablename__ = "sic_sections"

    code: Mapped[str] = mapped_column(String(1), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))


class SicDivision(Base):
    __tablename__ = "sic_divisions"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    section_code: Mapped[str] = mapped_column(ForeignKey("sic_sections.code"))
    title: Mapped[str] = mapped_column(String(200))


class RqfLevel(Base):
    __tablename__ = "rqf_levels"

    level: Mapped[str] = mapped_column(String(5), primary_key=True)
    sort_order: Mapped[int]
    label: Mapped[str] = mapped_column(String(50))
    example_qualifications: Mapped[str] = mapped_column(String(2000))
