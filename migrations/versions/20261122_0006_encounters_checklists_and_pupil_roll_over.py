"""encounters checklists and pupil roll-over

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 07:53:06.530221

"""
from datetime import date

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    # Reviewed: booking_id and match_id get foreign keys once bookings (0005) land.
    op.create_table('encounters',
    sa.Column('school_id', sa.Uuid(), nullable=False),
    sa.Column('source', sa.Enum('recorded', 'booking', 'match', 'transfer', name='encountersource', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('booking_id', sa.Uuid(), nullable=True),
    sa.Column('match_id', sa.Uuid(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('activity_type', sa.Enum('careers_talk', 'careers_fair', 'mock_interviews', 'cv_workshop', 'enterprise_challenge', 'mentoring', 'workplace_visit', 'job_shadowing', 'work_experience', 'provider_talk', 'provider_visit', 'taster_day', 'guidance_interview', 'other', name='encounteractivity', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('benchmark', sa.Integer(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('mode', sa.Enum('in_person', 'virtual', name='mode', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('employer_id', sa.Uuid(), nullable=True),
    sa.Column('provider_id', sa.Uuid(), nullable=True),
    sa.Column('partner_name', sa.String(length=200), nullable=True),
    sa.Column('employer_size', sa.Enum('self_employed', 'micro', 'small', 'medium', 'large', name='employersize', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('employer_sector', sa.String(length=1), nullable=True),
    sa.Column('provider_type', sa.Enum('sixth_form', 'fe_college', 'university', 'itp', name='providertype', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('provider_access', sa.Boolean(), nullable=False),
    sa.Column('year_groups', sa.JSON(), nullable=False),
    sa.Column('head_counts', sa.JSON(), nullable=False),
    sa.Column('work_experience_days', sa.Integer(), nullable=False),
    sa.Column('checklist_version', sa.Integer(), nullable=False),
    sa.Column('meaningful', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('benchmark IN (5, 6, 7, 8)', name=op.f('ck_encounters_benchmark_5_to_8')),
    sa.CheckConstraint('work_experience_days BETWEEN 0 AND 30', name=op.f('ck_encounters_work_experience_days')),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], name=op.f('fk_encounters_employer_id_employers')),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_encounters_provider_id_providers')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_encounters_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_encounters'))
    )
    with op.batch_alter_table('encounters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_encounters_employer_id'), ['employer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_encounters_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index('ix_encounters_school_id_occurred_on', ['school_id', 'occurred_on'], unique=False)

    op.create_table('attendances',
    sa.Column('encounter_id', sa.Uuid(), nullable=False),
    sa.Column('pupil_id', sa.Uuid(), nullable=False),
    sa.Column('year_group', sa.Integer(), nullable=False),
    sa.Column('reflection', sa.Text(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.CheckConstraint('year_group BETWEEN 7 AND 13', name=op.f('ck_attendances_year_group_secondary')),
    sa.ForeignKeyConstraint(['encounter_id'], ['encounters.id'], name=op.f('fk_attendances_encounter_id_encounters'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pupil_id'], ['pupils.id'], name=op.f('fk_attendances_pupil_id_pupils')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendances')),
    sa.UniqueConstraint('encounter_id', 'pupil_id', name='uq_attendances_encounter_id_pupil_id')
    )
    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.create_index('ix_attendances_pupil_id', ['pupil_id'], unique=False)

    op.create_table('checklist_answers',
    sa.Column('encounter_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=40), nullable=False),
    sa.Column('answer', sa.Boolean(), nullable=False),
    sa.Column('answered_by', sa.Enum('school', 'partner', name='party', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('answered_by_user_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['answered_by_user_id'], ['users.id'], name=op.f('fk_checklist_answers_answered_by_user_id_users')),
    sa.ForeignKeyConstraint(['encounter_id'], ['encounters.id'], name=op.f('fk_checklist_answers_encounter_id_encounters'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklist_answers')),
    sa.UniqueConstraint('encounter_id', 'version', 'item', name='uq_checklist_answers_encounter_version_item')
    )
    op.create_table('encounter_volunteers',
    sa.Column('encounter_id', sa.Uuid(), nullable=False),
    sa.Column('volunteer_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['encounter_id'], ['encounters.id'], name=op.f('fk_encounter_volunteers_encounter_id_encounters'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteers.id'], name=op.f('fk_encounter_volunteers_volunteer_id_volunteers')),
    sa.PrimaryKeyConstraint('encounter_id', 'volunteer_id', name=op.f('pk_encounter_volunteers'))
    )
    with op.batch_alter_table('encounter_volunteers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_encounter_volunteers_volunteer_id'), ['volunteer_id'], unique=False)

    # Existing pupils' year groups are taken to be for the school year the upgrade runs in.
    today = date.today()
    this_year = today.year if today.month >= 9 else today.year - 1
    with op.batch_alter_table('pupils', schema=None) as batch_op:
        batch_op.add_column(sa.Column('roll_year', sa.Integer(), nullable=False, server_default=str(this_year)))
        batch_op.add_column(sa.Column('left_on', sa.Date(), nullable=True))
    with op.batch_alter_table('pupils', schema=None) as batch_op:
        batch_op.alter_column('roll_year', server_default=None)

    # ### end Alembic commands ###


def downgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('pupils', schema=None) as batch_op:
        batch_op.drop_column('left_on')
        batch_op.drop_column('roll_year')

    with op.batch_alter_table('encounter_volunteers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_encounter_volunteers_volunteer_id'))

    op.drop_table('encounter_volunteers')
    op.drop_table('checklist_answers')
    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.drop_index('ix_attendances_pupil_id')

    op.drop_table('attendances')
    with op.batch_alter_table('encounters', schema=None) as batch_op:
        batch_op.drop_index('ix_encounters_school_id_occurred_on')
        batch_op.drop_index(batch_op.f('ix_encounters_provider_id'))
        batch_op.drop_index(batch_op.f('ix_encounters_employer_id'))

    op.drop_table('encounters')
    # ### end Alembic commands ###
