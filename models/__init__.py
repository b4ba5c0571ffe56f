"""SQLAlchemy 2 typed models, one module per domain. No Flask imports here."""

from models.audit import AuditEntry
from models.auth import ApiClient, RevokedSession
from models.base import Base
from models.matches import Match, MatchEvent
from models.needs import Need
from models.organisations import Employer, Hub, Organisation, Provider, School
from models.pairings import AdviserAssignment, AdviserPairingPlan
from models.pupils import Pupil
from models.reference import Outcode, Postcode, RqfLevel, SicDivision, SicSection
from models.users import Invitation, Role, User
from models.volunteers import EnterpriseAdviser, Volunteer

__all__ = [
    "AdviserAssignment",
    "AdviserPairingPlan",
    "Match",
    "MatchEvent",
    "Need",
    "ApiClient",
    "AuditEntry",
    "Base",
    "Employer",
    "EnterpriseAdviser",
    "Hub",
    "Invitation",
    "Organisation",
    "Outcode",
    "Postcode",
    "Provider",
    "Pupil",
    "RevokedSession",
    "Role",
    "RqfLevel",
    "School",
    "SicDivision",
    "SicSection",
    "User",
    "Volunteer",
]
