"""Match events, written to the `match_events` outbox in the transaction of the change."""

from sqlalchemy.orm import Session

from models.matches import Match, MatchEvent
from models.needs import Need


def emit(session: Session, type_: str, match: Match, **details) -> MatchEvent:
    payload = {
        "match_id": str(match.id),
        "need_id": str(match.need_id),
        "volunteer_id": str(match.volunteer_id),
        "status": match.status.value,
        **details,
    }
    event = MatchEvent(type=type_, match_id=match.id, need_id=match.need_id, payload=payload)
    session.add(event)
    return event


def emit_need(session: Session, type_: str, need: Need, **details) -> MatchEvent:
    payload = {"need_id": str(need.id), "status": need.status.value, **details}
    event = MatchEvent(type=type_, need_id=need.id, payload=payload)
    session.add(event)
    return event
