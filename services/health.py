"""Readiness: can we reach the database?"""

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from services.errors import Unavailable


def check_database(session: Session) -> None:
    try:
        session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        session.rollback()
        raise Unavailable("The database cannot be reached.") from error
