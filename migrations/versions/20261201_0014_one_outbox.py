"""one outbox: match_events folded into outbox_events, in one total order, with audiences and consumer cursors

Every event keeps its type and data; each gets the organisations entitled to see it (from
the ids it names, as the access policy would answer) and a position in commit order.

Revision ID: 0014
Revises: 0020
Create Date: 2026-12-01 22:10:00

"""
import json
import uuid

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0020'
branch_labels = None
depends_on = None

BIG_SERIAL = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    connection = op.get_bind()
    old = _old_events(connection)
    with op.batch_alter_table('outbox_events', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_events_delivered_at_created_at')
    op.drop_table('outbox_events')
    with op.batch_alter_table('match_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_match_events_need_id'))
        batch_op.drop_index(batch_op.f('ix_match_events_match_id'))
        batch_op.drop_index(batch_op.f('ix_match_events_created_at'))
    op.drop_table('match_events')

    events = op.create_table('outbox_events',
    sa.Column('position', BIG_SERIAL, autoincrement=True, nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('txid', sa.BigInteger(), nullable=False),
    sa.Column('type', sa.String(length=64), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('broadcast', sa.Boolean(), nullable=False),
    sa.Column('organisation_ids', sa.JSON(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('position', name=op.f('pk_outbox_events')),
    sa.UniqueConstraint('id', name=op.f('uq_outbox_events_id'))
    )
    with op.batch_alter_table('outbox_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_events_occurred_at'), ['occurred_at'], unique=False)
        batch_op.create_index('ix_outbox_events_txid_position', ['txid', 'position'], unique=False)

    audiences = op.create_table('outbox_audiences',
    sa.Column('organisation_id', sa.Uuid(), nullable=False),
    sa.Column('event_position', BIG_SERIAL, nullable=False),
    sa.ForeignKeyConstraint(['event_position'], ['outbox_events.position'], name=op.f('fk_outbox_audiences_event_position_outbox_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('organisation_id', 'event_position', name=op.f('pk_outbox_audiences'))
    )
    op.create_table('outbox_consumers',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('txid', sa.BigInteger(), nullable=False),
    sa.Column('position', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_outbox_consumers'))
    )
    for position, (type_, data, occurred_at, organisation_ids) in enumerate(old, start=1):
        ids = sorted(organisation_ids)
        connection.execute(events.insert().values(
            position=position, id=uuid.uuid4(), txid=0, type=type_, occurred_at=occurred_at,
            broadcast=False, organisation_ids=[str(i) for i in ids], data=data,
        ))
        for organisation_id in ids:
            connection.execute(audiences.insert().values(
                organisation_id=organisation_id, event_position=position
            ))
    if old and connection.dialect.name == 'postgresql':
        connection.execute(sa.text(
            "SELECT setval(pg_get_serial_sequence('outbox_events', 'position'), :n)"
        ), {'n': len(old)})


def _old_events(connection):
    """(type, data, occurred_at, organisation ids) of both old tables, oldest first."""
    rows = []
    hubs = {
        str(uuid.UUID(str(school))): hub
        for school, hub in connection.execute(sa.text('SELECT id, hub_id FROM schools'))
    }
    for type_, payload, created_at in connection.execute(sa.text(
        'SELECT type, payload, created_at FROM outbox_events'
    )):
        payload = _json(payload)
        named = {payload.get(k) for k in ('school_id', 'employer_id', 'provider_id', 'hub_id')} - {None}
        ids = {uuid.UUID(str(i)) for i in named}
        rows.append((type_, payload, created_at, ids | _hub_of(hubs, payload.get('school_id'))))
    for type_, payload, created_at, school_id, employer_id in connection.execute(sa.text(
        'SELECT e.type, e.payload, e.created_at, n.school_id, v.employer_id FROM match_events e '
        'JOIN needs n ON n.id = e.need_id '
        'LEFT JOIN matches m ON m.id = e.match_id LEFT JOIN volunteers v ON v.id = m.volunteer_id'
    )):
        payload = _json(payload)
        payload.setdefault('school_id', str(school_id))
        ids = {uuid.UUID(str(i)) for i in (school_id, employer_id) if i is not None}
        rows.append((type_, payload, created_at, ids | _hub_of(hubs, school_id)))
    return sorted(rows, key=lambda row: str(row[2]))


def _json(value):
    return json.loads(value) if isinstance(value, str) else dict(value)


def _hub_of(hubs, school_id):
    """The school's hub, if it has one (coordinators follow their schools' events)."""
    hub_id = hubs.get(str(uuid.UUID(str(school_id)))) if school_id else None
    return {uuid.UUID(str(hub_id))} if hub_id else set()


def downgrade():
    op.drop_table('outbox_consumers')
    op.drop_table('outbox_audiences')
    with op.batch_alter_table('outbox_events', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_events_txid_position')
        batch_op.drop_index(batch_op.f('ix_outbox_events_occurred_at'))
    op.drop_table('outbox_events')
    # The previous two tables come back empty: their events were these ones.
    op.create_table('outbox_events',
    sa.Column('type', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_events'))
    )
    with op.batch_alter_table('outbox_events', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_events_delivered_at_created_at', ['delivered_at', 'created_at'], unique=False)
    op.create_table('match_events',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('type', sa.String(length=50), nullable=False),
    sa.Column('match_id', sa.Uuid(), nullable=True),
    sa.Column('need_id', sa.Uuid(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['match_id'], ['matches.id'], name=op.f('fk_match_events_match_id_matches')),
    sa.ForeignKeyConstraint(['need_id'], ['needs.id'], name=op.f('fk_match_events_need_id_needs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_match_events'))
    )
    with op.batch_alter_table('match_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_match_events_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_match_events_match_id'), ['match_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_match_events_need_id'), ['need_id'], unique=False)
