"""People: passwords, login, password change, listing and deactivation."""

import uuid

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.users import User
from services.access import get_authorized, get_visible, visible_users
from services.callers import Action, Caller
from services.errors import InvalidInput, Unauthenticated
from services.pagination import Page, paginate

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the email is unknown, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def use_password_hasher(hasher: PasswordHasher) -> None:
    """Hash and verify with `hasher` from now on. The test suite uses argon2's cheapest
    parameters: it logs in thousands of times, at 0.1 s a hash on purpose."""
    global _hasher, _DUMMY_HASH
    _hasher, _DUMMY_HASH = hasher, hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    check_password_strength(password)
    return _hasher.hash(password)


def check_password_strength(password: str, field: str = "password") -> None:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            "The password is too short or too long.",
            errors={field: [f"Use {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters."]},
        )


def normalise_email(email: str) -> str:
    return email.strip().lower()


def authenticate(session: Session, *, email: str, password: str) -> User:
    """The active user with this email and password, else Unauthenticated (same for both)."""
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    password_ok = _verify(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not password_ok or not user.is_active:
        raise Unauthenticated("The email or password is wrong.")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def change_password(
    session: Session, user: User, *, current_password: str, new_password: str
) -> User:
    """Set a new password and revoke every token issued before it."""
    if not _verify(user.password_hash, current_password):
        raise InvalidInput(
            "The current password is wrong.", errors={"current_password": ["Wrong password."]}
        )
    check_password_strength(new_password, "new_password")
    user.password_hash = _hasher.hash(new_password)
    user.token_version += 1
    session.flush()
    return user


def list_(session: Session, caller: Caller, *, page: int, page_size: int) -> Page:
    query = select(User).where(visible_users(session, caller)).order_by(User.email)
    return paginate(session, query, page=page, page_size=page_size)


def get(session: Session, caller: Caller, user_id: uuid.UUID) -> User:
    return get_visible(session, caller, User, user_id)


def deactivate_user(session: Session, caller: Caller, user_id: uuid.UUID) -> User:
    """Deactivate a member: every token they hold stops working on their next call."""
    user = get_authorized(session, caller, Action.DELETE, User, user_id)
    user.is_active = False
    user.token_version += 1
    session.flush()
    return user


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
