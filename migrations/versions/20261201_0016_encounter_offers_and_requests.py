"""encounter offers and requests: offers from employers or providers, and the requests
between a school and a partner (for an encounter offer, or for provider access)

Offers gain a provider as an alternative partner (exactly one of employer and provider),
the encounter-offer kinds and their attributes; existing workplace offers keep their
values through server defaults. A scheduled request points at the encounter it made.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 21:53:04.485415

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


WORKPLACE_KINDS = ('workplace_visit', 'job_shadowing', 'work_experience', 'virtual_work_experience')
OFFER_KINDS = WORKPLACE_KINDS + (
    'careers_talk', 'assembly', 'careers_fair', 'mock_interviews', 'cv_workshop',
    'enterprise_challenge', 'qa_panel', 'mentoring', 'virtual_talk',
)
OLD_SOURCES = ('recorded', 'booking', 'match', 'transfer')
SOURCES = OLD_SOURCES + ('request',)


MATCH_STATUSES = ('invited', 'accepted', 'declined', 'expired', 'withdrawn', 'confirmed', 'scheduled')


def _offers_0015():
    """The `offers` table as 0005 made it (0015's schema)."""
    return sa.Table('offers', sa.MetaData(),
    sa.Column('employer_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.String(length=4000), nullable=True),
    sa.Column('postcode', sa.String(length=8), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('sectors', sa.Integer(), nullable=False),
    sa.Column('year_groups', sa.Integer(), nullable=False),
    sa.Column('accessibility_notes', sa.String(length=2000), nullable=True),
    sa.Column('risk_assessment_done', sa.Boolean(create_constraint=False), nullable=False),
    sa.Column('liability_insurance', sa.Boolean(create_constraint=False), nullable=False),
    sa.Column('named_supervisor', sa.String(length=200), nullable=True),
    sa.Column('day_length_hours', sa.Numeric(precision=4, scale=2, asdecimal=False), nullable=True),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('day_length_hours IS NULL OR (day_length_hours > 0 AND day_length_hours <= 24)', name='ck_offers_day_length_hours_range'),
    sa.CheckConstraint(_within('kind', WORKPLACE_KINDS), name='ck_offers_offerkind'),
    sa.CheckConstraint("status IN ('draft', 'published', 'withdrawn')", name='ck_offers_offerstatus'),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], name='fk_offers_employer_id_employers'),
    sa.PrimaryKeyConstraint('id', name='pk_offers'),
    sa.Index('ix_offers_employer_id', 'employer_id'),
    sa.Index('ix_offers_latitude_longitude', 'latitude', 'longitude'),
    )


def _within(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    op.create_table('offer_requests',
    sa.Column('kind', sa.Enum('offer', 'provider_access', name='requestkind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('offer_id', sa.Uuid(), nullable=True),
    sa.Column('school_id', sa.Uuid(), nullable=False),
    sa.Column('employer_id', sa.Uuid(), nullable=True),
    sa.Column('provider_id', sa.Uuid(), nullable=True),
    sa.Column('requested_by', sa.Enum('school', 'partner', 'admin', name='side', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('activity', sa.String(length=32), nullable=False),
    sa.Column('mode', sa.Enum('in_person', 'virtual', name='mode', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('status', sa.Enum('requested', 'proposed', 'scheduled', 'declined', 'cancelled', name='requeststatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('preferred_dates', sa.JSON(), nullable=False),
    sa.Column('date', sa.Date(), nullable=True),
    sa.Column('starts_at', sa.Time(), nullable=True),
    sa.Column('ends_at', sa.Time(), nullable=True),
    sa.Column('year_groups', sa.Integer(), nullable=False),
    sa.Column('pupils', sa.Integer(), nullable=True),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('notes', sa.String(length=2000), nullable=True),
    sa.Column('response_note', sa.String(length=500), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancel_reason', sa.String(length=500), nullable=True),
    sa.Column('cancelled_by', sa.Enum('school', 'partner', 'admin', name='cancelled_by_side', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_user_id', sa.Uuid(), nullable=True),
    sa.Column('created_by_client_id', sa.Uuid(), nullable=True),
    sa.Column('encounter_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(employer_id IS NULL) <> (provider_id IS NULL)', name=op.f('ck_offer_requests_one_partner')),
    sa.CheckConstraint('pupils IS NULL OR pupils > 0', name=op.f('ck_offer_requests_pupils_positive')),
    sa.CheckConstraint('starts_at IS NULL OR ends_at IS NULL OR ends_at > starts_at', name=op.f('ck_offer_requests_ends_after_start')),
    sa.ForeignKeyConstraint(['created_by_client_id'], ['api_clients.id'], name=op.f('fk_offer_requests_created_by_client_id_api_clients')),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['users.id'], name=op.f('fk_offer_requests_created_by_user_id_users')),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], name=op.f('fk_offer_requests_employer_id_employers')),
    sa.ForeignKeyConstraint(['encounter_id'], ['encounters.id'], name=op.f('fk_offer_requests_encounter_id_encounters'), ondelete='SET NULL'),
    sa.UniqueConstraint('encounter_id', name=op.f('uq_offer_requests_encounter_id')),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_offer_requests_offer_id_offers')),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_offer_requests_provider_id_providers')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_offer_requests_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offer_requests'))
    )
    with op.batch_alter_table('offer_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offer_requests_employer_id'), ['employer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_offer_requests_offer_id'), ['offer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_offer_requests_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_offer_requests_school_id'), ['school_id'], unique=False)
        batch_op.create_index('ix_offer_requests_status_date', ['status', 'date'], unique=False)

    op.create_table('offer_volunteers',
    sa.Column('offer_id', sa.Uuid(), nullable=False),
    sa.Column('volunteer_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_offer_volunteers_offer_id_offers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteers.id'], name=op.f('fk_offer_volunteers_volunteer_id_volunteers')),
    sa.PrimaryKeyConstraint('offer_id', 'volunteer_id', name=op.f('pk_offer_volunteers'))
    )
    with op.batch_alter_table('offer_volunteers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offer_volunteers_volunteer_id'), ['volunteer_id'], unique=False)

    op.create_table('offer_request_volunteers',
    sa.Column('request_id', sa.Uuid(), nullable=False),
    sa.Column('volunteer_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['offer_requests.id'], name=op.f('fk_offer_request_volunteers_request_id_offer_requests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteers.id'], name=op.f('fk_offer_request_volunteers_volunteer_id_volunteers')),
    sa.PrimaryKeyConstraint('request_id', 'volunteer_id', name=op.f('pk_offer_request_volunteers'))
    )
    with op.batch_alter_table('offer_request_volunteers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offer_request_volunteers_volunteer_id'), ['volunteer_id'], unique=False)

    with op.batch_alter_table('encounters', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_encounters_encountersource'), type_='check')
        batch_op.create_check_constraint(op.f('ck_encounters_encountersource'), _within('source', SOURCES))

    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provider_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('modes', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('max_group', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('send_suitable', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('available_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('available_to', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('available_weekdays', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('available_dates', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('travel_radius_km', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('notice_days', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('supervised', sa.Boolean(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('frequency', sa.Enum('one_off', 'occasional', 'weekly', 'four_days_in_30', name='frequency', native_enum=False, create_constraint=True, length=32), server_default='one_off', nullable=False))
        batch_op.add_column(sa.Column('overnight', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('target_disadvantaged', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('target_local_authorities', sa.JSON(), nullable=True))
        batch_op.alter_column('employer_id',
               existing_type=sa.CHAR(length=32),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_offers_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index('ix_offers_status_kind', ['status', 'kind'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_offers_provider_id_providers'), 'providers', ['provider_id'], ['id'])
        batch_op.create_check_constraint(op.f('ck_offers_one_partner'), '(employer_id IS NULL) <> (provider_id IS NULL)')
        batch_op.drop_constraint(op.f('ck_offers_offerkind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_offers_offerkind'), _within('kind', OFFER_KINDS))


    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shared_with_employers', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('addressed_employer_id', sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_needs_addressed_employer_id_employers'), 'employers', ['addressed_employer_id'], ['id'])
    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_matches_matchstatus'), type_='check')
        batch_op.create_check_constraint(op.f('ck_matches_matchstatus'), _within('status', MATCH_STATUSES + ('put_forward',)))


def downgrade():
    op.execute("DELETE FROM match_events WHERE match_id IN (SELECT id FROM matches WHERE status = 'put_forward')")
    op.execute("DELETE FROM matches WHERE status = 'put_forward'")
    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_matches_matchstatus'), type_='check')
        batch_op.create_check_constraint(op.f('ck_matches_matchstatus'), _within('status', MATCH_STATUSES))
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_needs_addressed_employer_id_employers'), type_='foreignkey')
        batch_op.drop_column('addressed_employer_id')
        batch_op.drop_column('shared_with_employers')
    # Encounter offers, their requests and providers' offers have no place in 0015's schema.
    op.execute("UPDATE encounters SET source = 'recorded' WHERE source = 'request'")
    op.execute("DELETE FROM offer_request_volunteers")
    op.execute("DELETE FROM offer_requests")
    op.execute("DELETE FROM offer_volunteers")
    op.execute(f"DELETE FROM offers WHERE NOT ({_within('kind', WORKPLACE_KINDS)}) OR employer_id IS NULL")
    if op.get_bind().dialect.name == 'sqlite':
        # Rebuild from 0015's definition: SQLite's batch reflection would carry the new
        # CHECK constraints (naming dropped columns) into the rebuilt table.
        with op.batch_alter_table('offers', copy_from=_offers_0015(), recreate='always'):
            pass
    else:
        with op.batch_alter_table('offers', schema=None) as batch_op:
            batch_op.drop_constraint(op.f('ck_offers_offerkind'), type_='check')
            batch_op.create_check_constraint(op.f('ck_offers_offerkind'), _within('kind', WORKPLACE_KINDS))
            batch_op.drop_constraint(op.f('ck_offers_one_partner'), type_='check')
            batch_op.drop_constraint(batch_op.f('fk_offers_provider_id_providers'), type_='foreignkey')
            batch_op.drop_index('ix_offers_status_kind')
            batch_op.drop_index(batch_op.f('ix_offers_provider_id'))
            batch_op.alter_column('employer_id', existing_type=sa.Uuid(), nullable=False)
            for column in ('target_local_authorities', 'target_disadvantaged', 'overnight', 'frequency', 'supervised', 'notice_days', 'travel_radius_km',
                           'available_dates', 'available_weekdays', 'available_to', 'available_from',
                           'send_suitable', 'max_group', 'modes', 'provider_id'):
                batch_op.drop_column(column)

    with op.batch_alter_table('encounters', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_encounters_encountersource'), type_='check')
        batch_op.create_check_constraint(op.f('ck_encounters_encountersource'), _within('source', OLD_SOURCES))

    with op.batch_alter_table('offer_request_volunteers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offer_request_volunteers_volunteer_id'))
    op.drop_table('offer_request_volunteers')
    with op.batch_alter_table('offer_volunteers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offer_volunteers_volunteer_id'))
    op.drop_table('offer_volunteers')
    with op.batch_alter_table('offer_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_offer_requests_status_date')
        batch_op.drop_index(batch_op.f('ix_offer_requests_school_id'))
        batch_op.drop_index(batch_op.f('ix_offer_requests_provider_id'))
        batch_op.drop_index(batch_op.f('ix_offer_requests_offer_id'))
        batch_op.drop_index(batch_op.f('ix_offer_requests_employer_id'))
    op.drop_table('offer_requests')
