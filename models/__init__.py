"""SQLAlchemy 2 typed models, one module per domain. No Flask imports here."""

from models.base import Base
from models.organisations import Hub, Organisation, Provider, School
from models.reference import Outcode, Postcode, RqfLevel, SicDivision, SicSection

__all__ = [
    "Base",
    "Hub",
    "Organisation",
    "Outcode",
    "Postcode",
    "Provider",
    "RqfLevel",
    "School",
    "SicDivision",
    "SicSection",
]
