"""The audit log by construction: Core writes are audited or refused in an audited session."""

import pytest
from sqlalchemy import select, update

from models.audit import AuditEntry
from models.organisations import Hub
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
