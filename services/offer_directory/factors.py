"""The directory's ranking of one offer for one school, factor by factor and explained.

`services.offer_directory.pool` computes the same score with NumPy, in whole units of
0.0001 (every contribution is rounded to four places), so it orders and counts the
thousands of offers that reach every school online, and only a page is explained here.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from models.offers import WEEKDAYS, Offer, OfferKind
from models.organisations import School
from models.volunteers import YEAR_GROUPS, Mode
from services.geo import distance_km
from services.offers import MAX_TRAVEL_KM
from services.school_years import london_today

KEY_STAGES = {3: (7, 8, 9), 4: (10, 11), 5: (12, 13)}
WEIGHTS = {
    "distance": 0.4,  # in school: 1 at the base to 0.5 at the radius's edge; online: 0.4
    "year_groups": 0.2,  # covers more of the year groups asked for (or of Y7-Y13)
    "send": 0.1,  # suits pupils with SEND
    "notice": 0.1,  # needs a fortnight's notice or less
    "availability": 0.1,  # available on more of the dates asked for
    "reach": 0.1,  # the employer aims it at schools like this one (targeting)
}
ONLINE = 0.4  # the distance factor's value for an offer that reaches the school online
SHORT_NOTICE_DAYS = 14
FULL_AVAILABILITY_DAYS = 20  # school days in the window at which availability scores 1
DISADVANTAGED_FSM_SHARE = 30.0  # % of pupils on free school meals: a "high share"
MODE_BITS = {mode: 1 << i for i, mode in enumerate(Mode)}
YEAR_BITS = {year: 1 << i for i, year in enumerate(YEAR_GROUPS)}
UNITS = 10_000  # a contribution of 0.0001


@dataclass(frozen=True)
class Factor:
    name: str
    weight: float
    value: float
    detail: str

    @property
    def contribution(self) -> float:
        return contribution(self.weight, self.value)


def contribution(weight: float, value: float) -> float:
    return round(weight * value, 4)


def units(name: str, value: float) -> int:
    """A factor's contribution in whole units, as the held ranking counts it."""
    return round(contribution(WEIGHTS[name], value) * UNITS)


@dataclass(frozen=True)
class Filters:
    benchmark: int | None = None
    kind: OfferKind | None = None
    year_group: int | None = None
    key_stage: int | None = None
    send: bool | None = None
    sector: str | None = None
    mode: Mode | None = None
    date_from: date | None = None
    date_to: date | None = None
    within_km: float | None = None
    kinds: tuple[OfferKind, ...] = ()  # any of these (a need's activity)
    year_groups: tuple[int, ...] = ()  # any of these (a need's year groups)

    @property
    def years(self) -> tuple[int, ...]:
        if self.year_groups:
            return self.year_groups
        if self.year_group:
            return (self.year_group,)
        return KEY_STAGES.get(self.key_stage, ())

    @property
    def reach_km(self) -> float:
        return min(self.within_km or MAX_TRAVEL_KM, MAX_TRAVEL_KM)

    def window(self) -> tuple[date, date]:
        """The school days asked about, from today on (a year when open-ended)."""
        first = max(self.date_from or london_today(), london_today())
        return first, self.date_to or first + timedelta(days=365)


# The columns a ranking reads, in the order `rank` unpacks them.
COLUMNS = (
    Offer.latitude,
    Offer.longitude,
    Offer.travel_radius_km,
    Offer.modes,
    Offer.year_groups,
    Offer.send_suitable,
    Offer.notice_days,
    Offer.available_from,
    Offer.available_to,
    Offer.available_weekdays,
    Offer.available_dates,
    Offer.target_disadvantaged,
    Offer.target_local_authorities,
    Offer.target_combined_authorities,
    Offer.target_skills_areas,
    Offer.target_rural,
)


def rank(row, school: School, filters: Filters, window: tuple[date, date]):
    """(score, km, in_school, factors) of one offer's COLUMNS for the school, or None
    when it does not reach the school or is not available in the window."""
    lat, lon, radius, modes, year_groups, send_ok, notice, start, end, weekdays, dates = row[:11]
    km = None
    comes = False
    if Mode.IN_PERSON in modes and lat is not None and school.latitude is not None:
        km = distance_km(school.latitude, school.longitude, lat, lon)
        comes = bool(radius) and filters.mode is not Mode.VIRTUAL
        comes = comes and km <= min(radius, filters.reach_km)
    online = Mode.VIRTUAL in modes and filters.mode is not Mode.IN_PERSON
    if not (comes or online):
        return None
    days = open_days(start, end, weekdays, dates, window)
    if days == 0:
        return None
    asked = filters.years or YEAR_GROUPS
    covered = sum(1 for y in asked if y in year_groups)
    factors = [
        Factor(
            "distance",
            WEIGHTS["distance"],
            1.0 - 0.5 * km / radius if comes else ONLINE,
            f"{km:.0f} km away, within its {radius} km" if comes else "online",
        ),
        Factor(
            "year_groups",
            WEIGHTS["year_groups"],
            covered / len(asked),
            f"{covered} of {len(asked)} year groups asked",
        ),
        Factor(
            "send",
            WEIGHTS["send"],
            float(send_ok),
            "suits pupils with SEND" if send_ok else "not marked as suiting SEND",
        ),
        Factor(
            "notice",
            WEIGHTS["notice"],
            1.0 if notice <= SHORT_NOTICE_DAYS else 0.5,
            f"{notice} days' notice",
        ),
        Factor(
            "availability",
            WEIGHTS["availability"],
            min(days, FULL_AVAILABILITY_DAYS) / FULL_AVAILABILITY_DAYS,
            f"{days} available school days in the window",
        ),
        reach(school, *row[11:]),
    ]
    score = round(sum(f.contribution for f in factors), 4)
    return score, (round(km, 3) if km is not None else None), comes, factors


def targeted(
    school: School,
    disadvantaged: bool,
    local_authorities: list[str] | None,
    combined_authorities: list[str] | None = None,
    skills_areas: list[str] | None = None,
    rural: bool = False,
) -> str:
    """Why an offer with these targets is aimed at this school ('' when it is not)."""
    if disadvantaged and (school.percentage_fsm or 0) >= DISADVANTAGED_FSM_SHARE:
        return f"aimed at schools like this one ({school.percentage_fsm:.0f}% free school meals)"
    if rural and school.rural:
        return f"aimed at rural schools ({school.urban_rural.removeprefix('(England/Wales) ')})"
    areas = (
        (school.local_authority, local_authorities, ""),
        (school.combined_authority, combined_authorities, " (combined authority)"),
        (school.skills_area, skills_areas, " (skills-plan area)"),
    )
    for area, aimed_at, what in areas:
        if area and area in (aimed_at or []):
            return f"aimed at schools in {area}{what}"
    return ""


def columns(offer: Offer) -> tuple:
    """The offer's COLUMNS, as `rank` reads them."""
    return tuple(getattr(offer, column.key) for column in COLUMNS)


def offer_targets(offer: Offer) -> tuple:
    """The offer's targets, in `targeted`'s order."""
    return columns(offer)[11:]


def reach(school: School, *targets) -> Factor:
    why = targeted(school, *targets)
    return Factor("reach", WEIGHTS["reach"], 1.0 if why else 0.0, why or "not targeted")


def open_days(start, end, weekdays, dates, window: tuple[date, date]) -> int:
    """School days the offer is available on within the window: its listed dates, and
    the days of its range on its weekdays (a listed date inside the range may count
    twice; the factor only needs the order of magnitude)."""
    first, last = window
    listed = sum(1 for d in dates or [] if first.isoformat() <= d <= last.isoformat())
    if not (start and end):
        return listed
    lo, hi = max(start, first), min(end, last)
    if hi < lo:
        return listed
    allowed = {WEEKDAYS.index(w) for w in weekdays} if weekdays else set(range(5))
    weeks, extra = divmod((hi - lo).days + 1, 7)
    tail = sum(1 for i in range(extra) if (lo.weekday() + i) % 7 in allowed)
    return listed + weeks * len(allowed) + tail
