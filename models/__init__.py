"""SQLAlchemy 2 typed models, one module per domain. No Flask imports here."""

from models.audit import AuditEntry
from models.auth import ApiClient, RevokedSession
from models.base import Base
from models.bookings import (
    Booking,
    Slot,
    SlotAllocation,
    WaitlistEntry,
)
from models.calendars import CalendarFeed
from models.checklists import ChecklistAnswer
from models.destinations import DestinationRecord, Leaver
from models.encounters import Attendance, Encounter
from models.evaluations import SelfEvaluation
from models.idempotency import IdempotencyKey
from models.journeys import Journey
from models.matches import Match
from models.matching import PoolChange, PoolGeneration
from models.needs import Need
from models.notifications import (
    Notification,
    NotificationPreference,
    RefusedAddress,
)
from models.offer_requests import OfferRequest
from models.offers import Offer
from models.organisations import Employer, Hub, Organisation, Provider, School
from models.outbox import OutboxAudience, OutboxConsumer, OutboxEvent
from models.pairings import AdviserAssignment, AdviserHours, AdviserPairingPlan
from models.password_resets import PasswordReset
from models.programme import ProgrammeActivity, ProgrammePlan
from models.provider_access import ProviderAccessPolicy
from models.pupils import Pupil
from models.reference import Outcode, Postcode, RqfLevel, SicDivision, SicSection
from models.users import Invitation, Role, User
from models.volunteers import EnterpriseAdviser, Volunteer
from models.webhooks import WebhookAttempt, WebhookDelivery, WebhookSubscription

__all__ = [
    "AdviserAssignment",
    "AdviserHours",
    "AdviserPairingPlan",
    "Match",
    "Need",
    "Notification",
    "NotificationPreference",
    "PasswordReset",
    "RefusedAddress",
    "ApiClient",
    "Attendance",
    "AuditEntry",
    "Base",
    "Booking",
    "CalendarFeed",
    "ChecklistAnswer",
    "Employer",
    "Encounter",
    "EnterpriseAdviser",
    "Hub",
    "IdempotencyKey",
    "Invitation",
    "Journey",
    "Offer",
    "OfferRequest",
    "Organisation",
    "Outcode",
    "OutboxAudience",
    "OutboxConsumer",
    "OutboxEvent",
    "PoolChange",
    "PoolGeneration",
    "Postcode",
    "Provider",
    "ProviderAccessPolicy",
    "Pupil",
    "RevokedSession",
    "Role",
    "RqfLevel",
    "School",
    "SicDivision",
    "SicSection",
    "Slot",
    "SlotAllocation",
    "User",
    "Volunteer",
    "WaitlistEntry",
    "DestinationRecord",
    "Leaver",
    "ProgrammeActivity",
    "ProgrammePlan",
    "SelfEvaluation",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookSubscription",
]
