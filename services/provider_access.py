"""Provider access (DOMAIN.md, the Provider Access Legislation): the school's published
policy statement, versioned.

Each publication is a new version; the current policy is the newest. Anyone signed in
reads a school's policy (it is part of its public profile); the school's own staff (or an
admin) publish it.
"""

import uuid
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.organisations import School
from models.provider_access import KeyPhase, ProviderAccessPolicy
from services import outbox
from services.access import get_visible, speaks_for_school
from services.callers import Caller
from services.errors import Forbidden, NotFound
from services.pagination import Listing

MAX_VERSION = 2**31 - 1
POLICY_FIELDS = (
    "procedure",
    "grant_criteria",
    "refusal_grounds",
    "premises",
    "key_phases",
    "contact_name",
    "contact_email",
    "contact_phone",
)


def get_policy(session: Session, *, school_id: uuid.UUID) -> ProviderAccessPolicy | None:
    """The school's current policy (its newest version), or None if it has published none."""
    return session.scalar(
        select(ProviderAccessPolicy)
        .where(ProviderAccessPolicy.school_id == school_id)
        .order_by(ProviderAccessPolicy.version.desc())
        .limit(1)
    )


def get_current(session: Session, caller: Caller, school_id: uuid.UUID) -> ProviderAccessPolicy:
    get_visible(session, caller, School, school_id)
    policy = get_policy(session, school_id=school_id)
    if policy is None:
        raise NotFound("The school has published no provider access policy yet.")
    return policy


def get_version(
    session: Session, caller: Caller, school_id: uuid.UUID, version: int
) -> ProviderAccessPolicy:
    get_visible(session, caller, School, school_id)
    policy = (
        None
        if version > MAX_VERSION
        else session.scalar(
            select(ProviderAccessPolicy).where(
                ProviderAccessPolicy.school_id == school_id, ProviderAccessPolicy.version == version
            )
        )
    )
    if policy is None:
        raise NotFound(f"The school's policy has no version {version}.")
    return policy


# Every version the school has published, newest first.
VERSIONS = Listing(
    ProviderAccessPolicy,
    within=(School, "school_id"),
    order=(ProviderAccessPolicy.version.desc(), ProviderAccessPolicy.id),
)
list_versions = VERSIONS.page_within


def publish(
    session: Session, caller: Caller, school_id: uuid.UUID, **fields
) -> ProviderAccessPolicy:
    """Publish a new version of the school's policy (earlier versions stay as they were)."""
    get_visible(session, caller, School, school_id)
    if not speaks_for_school(caller, school_id):
        raise Forbidden("Only the school's own staff (or an admin) publish its policy.")
    latest = session.scalar(
        select(func.max(ProviderAccessPolicy.version)).where(
            ProviderAccessPolicy.school_id == school_id
        )
    )
    values = {name: fields.get(name) for name in POLICY_FIELDS}
    values["refusal_grounds"] = list(dict.fromkeys(g.strip() for g in values["refusal_grounds"]))
    values["key_phases"] = [p.value for p in KeyPhase if p.value in set(values["key_phases"])]
    policy = ProviderAccessPolicy(
        school_id=school_id,
        version=(latest or 0) + 1,
        published_at=datetime.now(UTC),
        published_by_user_id=caller.user_id,
        **values,
    )
    session.add(policy)
    session.flush()
    outbox.publish(
        session,
        "provider_access_policy.published",
        policy,
        {"school_id": str(school_id), "version": policy.version, "policy_id": str(policy.id)},
    )
    return policy
