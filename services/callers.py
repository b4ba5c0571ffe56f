"""Who is calling, and the words the policy speaks: a caller's role, organisation and
scopes, the actions it may ask for, and what a partner app may be granted.

`api.security` makes a `Caller` from the token and the database on every request;
`services.access` decides what it may see and do.
"""

import enum
import uuid
from dataclasses import dataclass

from models.organisations import OrganisationKind
from models.users import Role

# What a partner app may be granted; each operation declares the one it needs.
SCOPES = {
    "reference:read": "Look up postcodes and other reference data.",
    "hubs:read": "Read the Careers Hubs the organisation belongs to.",
    "schools:read": "Read the school directory.",
    "schools:write": "Update the organisation's own school.",
    "employers:read": "Read the employer directory.",
    "employers:write": "Update the organisation's own employer profile.",
    "providers:read": "Read the provider directory.",
    "providers:write": "Update the organisation's own provider profile.",
    "pupils:read": "Read the school's pupil records (every read is audited).",
    "pupils:write": "Add, change and erase the school's pupil records.",
    "volunteers:read": "Read volunteer profiles the organisation may see.",
    "volunteers:write": "Add, import and update the employer's own volunteers.",
    "advisers:read": "Read Enterprise Adviser commitments the organisation may see.",
    "advisers:write": "Record and change Enterprise Adviser commitments of its volunteers.",
    "needs:read": "Read the school's needs.",
    "needs:write": "Post and change the school's needs.",
    "matches:read": "Read the invitations and matches the organisation may see.",
    "matches:write": "Invite volunteers to needs, and move matches along their workflow.",
    "offers:read": "Read offers and slots.",
    "offers:write": "Publish and change the employer's offers and slots.",
    "offer_requests:read": "Read requests for encounter offers, made or received.",
    "offer_requests:write": "Request encounter offers, and answer or cancel requests.",
    "provider_access:read": "Read provider-access requests, made or received.",
    "provider_access:write": "Request provider access, and answer or cancel requests.",
    "bookings:read": "Read bookings.",
    "bookings:write": "Book, confirm and cancel.",
    "encounters:read": "Read encounters the organisation took part in (pupils only for schools).",
    "encounters:write": "Record encounters, attendance and the organisation's checklist answers.",
    "reports:read": "Read benchmark reports of the school or the hub's schools, or the "
    "employer's impact.",
    "journeys:read": "Read the Careers Tube Map and counts of shared career journeys.",
    "programme:read": "Read the school's careers programme plans and self-evaluations.",
    "programme:write": "Plan the school's careers programme and answer its self-evaluations.",
    "events:read": "Read the organisation's event feed.",
    "webhooks:read": "Read the organisation's webhook subscriptions and their deliveries.",
    "webhooks:write": "Create, change, pause, ping and delete webhook subscriptions.",
}

# Which organisation kind a member of each role belongs to.
ROLE_ORGANISATION = {
    Role.ADMIN: OrganisationKind.PLATFORM,
    Role.COORDINATOR: OrganisationKind.HUB,
    Role.SCHOOL_STAFF: OrganisationKind.SCHOOL,
    Role.EMPLOYER_STAFF: OrganisationKind.EMPLOYER,
    Role.VOLUNTEER: OrganisationKind.EMPLOYER,
    Role.PROVIDER_STAFF: OrganisationKind.PROVIDER,
}
# The role a partner app acts with, by its organisation's kind.
CLIENT_ROLE = {
    OrganisationKind.HUB: Role.COORDINATOR,
    OrganisationKind.SCHOOL: Role.SCHOOL_STAFF,
    OrganisationKind.EMPLOYER: Role.EMPLOYER_STAFF,
    OrganisationKind.PROVIDER: Role.PROVIDER_STAFF,
}


class Action(enum.StrEnum):
    READ = "read"
    UPDATE = "update"
    DELETE = "delete"
    # Booking: schools book and record consent, employers decide, either side cancels.
    BOOK = "book"
    CONFIRM = "confirm"
    DECLINE = "decline"
    CANCEL = "cancel"
    COMPLETE = "complete"
    RECORD_CONSENT = "record consent on"
    # Adviser assignments: the adviser logs hours; the hub's coordinators also end them.
    LOG_HOURS = "log hours on"
    END = "end"


@dataclass(frozen=True)
class Caller:
    """Who is calling, as the database says now."""

    role: Role
    organisation_id: uuid.UUID
    user_id: uuid.UUID | None = None
    client_id: uuid.UUID | None = None
    is_org_admin: bool = False
    scopes: frozenset[str] | None = None  # None for a person: their role decides

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def manages_organisation(self) -> bool:
        return self.is_admin or self.is_org_admin
