"""Invitations: who may bring whom into which organisation, and redeeming them.

The one-time token reaches the invitee only by email: the notifications worker asks for
it (`reissue_token`) when it writes the message, and only its digest is kept. Nobody
else, the inviter included, ever sees it.
"""

import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.base import utcnow
from models.organisations import Organisation, School
from models.users import Invitation, Role, User
from services import outbox
from services.access import can_see, get_visible, hub_school_ids
from services.callers import ROLE_ORGANISATION, Caller
from services.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.tokens import digest, new_secret
from services.users import hash_password, normalise_email

INVITATION_LIFETIME = timedelta(days=7)
outbox.register("invitation.created", "A person was invited to join an organisation.")
# Roles a member of an organisation (with org-admin rights where marked) may invite to it.
INVITABLE_BY_MEMBERS = {
    Role.EMPLOYER_STAFF: {Role.VOLUNTEER},
}
INVITABLE_BY_ORG_ADMINS = {
    Role.SCHOOL_STAFF: {Role.SCHOOL_STAFF},
    Role.EMPLOYER_STAFF: {Role.EMPLOYER_STAFF, Role.VOLUNTEER},
    Role.PROVIDER_STAFF: {Role.PROVIDER_STAFF},
    Role.COORDINATOR: {Role.COORDINATOR},
}


def get(session: Session, caller: Caller, invitation_id: uuid.UUID) -> Invitation:
    return get_visible(session, caller, Invitation, invitation_id)


def invite(
    session: Session,
    caller: Caller,
    *,
    email: str,
    role: Role,
    organisation_id: uuid.UUID,
    is_org_admin: bool = False,
) -> Invitation:
    organisation = session.get(Organisation, organisation_id)
    if organisation is None or not can_see(session, caller, organisation):
        raise NotFound("No such organisation.")
    if ROLE_ORGANISATION[role] is not organisation.kind:
        raise InvalidInput(
            "That role does not belong in that kind of organisation.",
            errors={"role": [f"A {role} belongs to a {ROLE_ORGANISATION[role]}."]},
        )
    _check_may_invite(session, caller, role, organisation, is_org_admin)
    email = normalise_email(email)
    _ensure_no_account(session, email)
    invitation = Invitation(
        token_digest=digest(new_secret()),  # nobody holds it: the email gets a fresh one
        email=email,
        role=role,
        organisation_id=organisation.id,
        is_org_admin=is_org_admin,
        invited_by_id=caller.user_id,
        expires_at=utcnow() + INVITATION_LIFETIME,
    )
    session.add(invitation)
    session.flush()
    outbox.append(  # seen by the organisation joined (and admins), as its members are
        session,
        "invitation.created",
        organisation_ids=[organisation.id],
        data={
            "invitation_id": str(invitation.id),
            "organisation_id": str(organisation.id),
            "role": role.value,
        },
    )
    return invitation


def reissue_token(session: Session, invitation: Invitation) -> str | None:
    """A new token for the invitation's email (the one before stops working); None once
    the invitation is used or has expired."""
    if invitation.accepted_at or invitation.expires_at <= utcnow():
        return None
    token = new_secret()
    invitation.token_digest = digest(token)
    session.flush()
    return token


def accept(session: Session, *, token: str, name: str, password: str) -> User:
    """Exchange a valid, unused, unexpired invitation for an account."""
    invitation = session.scalar(select(Invitation).where(Invitation.token_digest == digest(token)))
    if invitation is None or invitation.accepted_at or invitation.expires_at <= utcnow():
        raise InvalidInput(
            "The invitation is not valid.",
            errors={"token": ["This invitation is unknown, already used or expired."]},
        )
    _ensure_no_account(session, invitation.email)
    user = User(
        email=invitation.email,
        name=name,
        password_hash=hash_password(password),
        role=invitation.role,
        organisation_id=invitation.organisation_id,
        is_org_admin=invitation.is_org_admin,
    )
    invitation.accepted_at = utcnow()
    session.add(user)
    session.flush()
    return user


def _ensure_no_account(session: Session, email: str) -> None:
    """One account per email: checked when inviting, and again when accepting (someone
    may have registered the address in between)."""
    if session.scalar(select(User.id).where(User.email == email)):
        raise Conflict("Someone with that email already has an account.")


def _check_may_invite(
    session: Session, caller: Caller, role: Role, organisation: Organisation, is_org_admin: bool
) -> None:
    if caller.is_admin:
        return
    if (
        caller.role is Role.COORDINATOR
        and role is Role.SCHOOL_STAFF
        and isinstance(organisation, School)
        and organisation.id in hub_school_ids(session, caller)
    ):
        return
    own = organisation.id == caller.organisation_id
    if own and caller.is_org_admin and role in INVITABLE_BY_ORG_ADMINS.get(caller.role, ()):
        return
    if own and not is_org_admin and role in INVITABLE_BY_MEMBERS.get(caller.role, ()):
        return
    raise Forbidden(f"You may not invite a {role} to {organisation.name}.")
