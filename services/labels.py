"""What each kind of object is called in messages: a table, never a lower-cased class name.

`label(Hub)` is "Careers Hub", so a refusal reads "No such Careers Hub." rather than
"No such hub."; tests/services/test_labels.py fails for a model missing from the table.
"""

import re

from models.audit import AuditEntry
from models.auth import ApiClient, RevokedSession
from models.bookings import Booking, Slot, SlotAllocation, WaitlistEntry
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
from models.notifications import Notification, NotificationPreference, RefusedAddress
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
from models.users import Invitation, User
from models.volunteers import EnterpriseAdviser, Volunteer
from models.webhooks import WebhookAttempt, WebhookDelivery, WebhookSubscription

LABELS: dict[type, str] = {
    AdviserAssignment: "adviser assignment",
    Notification: "notification",
    NotificationPreference: "notification preference",
    RefusedAddress: "refused email address",
    PasswordReset: "password reset link",
    AdviserHours: "adviser hours entry",
    AdviserPairingPlan: "adviser pairing plan",
    ApiClient: "partner app",
    Attendance: "attendance record",
    AuditEntry: "audit entry",
    Booking: "booking",
    CalendarFeed: "calendar feed",
    ChecklistAnswer: "checklist answer",
    DestinationRecord: "destination record",
    Employer: "employer",
    Encounter: "encounter",
    EnterpriseAdviser: "Enterprise Adviser",
    Hub: "Careers Hub",
    IdempotencyKey: "idempotency key",
    Invitation: "invitation",
    Journey: "career journey",
    Leaver: "leaver",
    Match: "match",
    Need: "need",
    Offer: "offer",
    OfferRequest: "offer request",
    Organisation: "organisation",
    OutboxAudience: "event audience",
    OutboxConsumer: "event consumer",
    OutboxEvent: "event",
    Outcode: "postcode district",
    PoolChange: "matching pool change",
    PoolGeneration: "matching pool generation",
    Postcode: "postcode",
    ProgrammeActivity: "programme activity",
    ProgrammePlan: "careers programme plan",
    Provider: "provider",
    ProviderAccessPolicy: "provider access policy",
    Pupil: "pupil",
    RevokedSession: "revoked session",
    RqfLevel: "RQF level",
    School: "school",
    SelfEvaluation: "self-evaluation",
    SicDivision: "SIC 2007 division",
    SicSection: "SIC 2007 section",
    Slot: "slot",
    SlotAllocation: "slot allocation",
    User: "user",
    Volunteer: "volunteer",
    WaitlistEntry: "waitlist entry",
    WebhookAttempt: "webhook delivery attempt",
    WebhookDelivery: "webhook delivery",
    WebhookSubscription: "webhook subscription",
}


def label(kind: type | object) -> str:
    """The label of a model class or of an object of one."""
    cls = kind if isinstance(kind, type) else type(kind)
    for candidate in cls.__mro__:
        if candidate in LABELS:
            return LABELS[candidate]
    # Never a 500 over a message: a model new to the table reads as spaced-out words.
    return re.sub(r"(?<!^)(?=[A-Z])", " ", cls.__name__).lower()
