"""The audit log by construction: Core writes are audited or refused in an audited session."""

import pytest
from sqlalchemy import func, select, update

from models.audit import AuditEntry
from models.organisations import Hub
from models.outbox import OutboxEvent
from models.pupils import Pupil
from services import audit
from tests import factories


@pytest.fixture
def audited(session):
    audit.set_context(session, audit.AuditContext(request_id="test-audit-core"))
    yield session
    audit.set_context(session, None)


def test_update_where_audits_each_row_it_changed_and_counts_them(audited):
    changed, unchanged = factories.hub(audited, "One"), factories.hub(audited, "Two")
    audited.flush()
    before = set(audited.scalars(select(AuditEntry.id)))

    count = audit.update_where(audited, Hub, Hub.id == changed.id, values={"area": "North"})

    entries = [e for e in audited.scalars(select(AuditEntry)) if e.id not in before]
    assert count == 1
    assert [(e.action, e.object_id) for e in entries] == [("hub.updated", str(changed.id))]
    assert unchanged.id not in {e.object_id for e in entries}


def test_a_conditional_update_that_changes_nothing_audits_nothing(audited):
    hub = factories.hub(audited)
    audited.flush()
    count_before = len(audited.scalars(select(AuditEntry)).all())

    assert (
        audit.update_where(audited, Hub, Hub.id == hub.id, Hub.area == "x", values={"area": "y"})
        == 0
    )
    assert len(audited.scalars(select(AuditEntry)).all()) == count_before


def test_a_core_write_that_bypasses_the_log_is_refused(audited):
    hub = factories.hub(audited)
    audited.flush()
    with pytest.raises(audit.UnauditedWrite):
        audited.execute(update(Hub).where(Hub.id == hub.id).values(area="Hidden"))


def test_without_an_audit_context_core_writes_run_as_before(session):
    hub = factories.hub(session)
    session.flush()
    session.execute(update(Hub).where(Hub.id == hub.id).values(area="Batch"))
    assert session.scalar(select(Hub.area).where(Hub.id == hub.id)) == "Batch"


def test_insert_new_writes_the_row_and_its_entry_and_keeps_the_object_loaded(audited):
    school = factories.school(audited)
    audited.flush()
    pupil = Pupil(school_id=school.id, reference="P777", year_group=9)

    audit.insert_new(audited, pupil)

    assert pupil.id is not None and pupil.created_at is not None  # the table's defaults
    assert pupil in audited and pupil not in audited.new and not audited.dirty
    stored = audited.execute(select(Pupil.reference).where(Pupil.id == pupil.id)).scalar_one()
    entries = audited.scalars(select(AuditEntry).where(AuditEntry.object_id == str(pupil.id)))
    assert stored == "P777"
    assert [(e.action, e.request_id) for e in entries] == [("pupil.created", "test-audit-core")]

    pupil.year_group = 10  # a later change is the ORM's, audited as an update
    audited.flush()
    actions = audited.scalars(
        select(AuditEntry.action).where(AuditEntry.object_id == str(pupil.id))
    ).all()
    assert sorted(actions) == ["pupil.created", "pupil.updated"]


def test_insert_new_refuses_a_table_whose_row_the_database_fills_in(audited):
    event = OutboxEvent(type="booking.requested", data={})  # its position is a sequence's
    with pytest.raises(TypeError, match="outbox_events.position"):
        audit.insert_new(audited, event)
    assert audited.scalar(select(func.count()).select_from(OutboxEvent)) == 0


def test_record_writes_one_entry_per_object_with_the_context_and_rolls_back_with_it(audited):
    ids = [factories.hub(audited, f"Hub {n}").id for n in range(3)]
    audit.record(audited, action="pupil.read", object_type="pupil", object_ids=ids)

    entries = audited.scalars(select(AuditEntry).where(AuditEntry.action == "pupil.read")).all()
    assert sorted(e.object_id for e in entries) == sorted(str(i) for i in ids)
    assert {e.request_id for e in entries} == {"test-audit-core"}
    assert len({e.id for e in entries}) == 3 and all(e.occurred_at for e in entries)
    audited.rollback()
    assert audited.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_record_of_nothing_or_outside_a_context_writes_nothing(session):
    audit.record(
        session, action="pupil.read", object_type="pupil", object_ids=[factories.hub(session).id]
    )
    audit.set_context(session, audit.AuditContext(request_id="empty"))
    audit.record(session, action="pupil.read", object_type="pupil", object_ids=[])
    audit.set_context(session, None)
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0
