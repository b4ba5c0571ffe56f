"""A clause for "the offer is aimed at the school" (as `factors.targeted` says it) on each
row's school, for lists that put the schools an offer aims at first.
"""

from sqlalchemy import String, and_, cast, exists, false, func, or_, select

from models.offers import Offer
from models.organisations import School
from services.offer_directory.factors import DISADVANTAGED_FSM_SHARE


def _elements(dialect: str, column):
    """The members of a JSON list column, as a table with a `value` column."""
    name = "json_array_elements_text" if dialect == "postgresql" else "json_each"
    return getattr(func, name)(column).table_valued("value")


def _empty(column):
    return func.coalesce(cast(column, String), "[]").in_(["[]", "null"])


def _has(dialect: str, column, values: list[str]):
    members = _elements(dialect, column)
    return and_(
        ~_empty(column), exists(select(1).select_from(members).where(members.c.value.in_(values)))
    )


def aimed_at(dialect: str):
    """As `factors.targeted`, on each row's school (a query joined to School): the offer
    aims at its share on free school meals, its areas, or rural schools."""
    areas = (
        (School.local_authority, Offer.target_local_authorities),
        (School.combined_authority, Offer.target_combined_authorities),
        (School.skills_area, Offer.target_skills_areas),
    )
    fsm = School.percentage_fsm >= DISADVANTAGED_FSM_SHARE
    return or_(
        false(),
        *(_has(dialect, column, [area]) for area, column in areas),
        and_(Offer.target_disadvantaged.is_(True), fsm),
        and_(Offer.target_rural.is_(True), School.rural),
    )
