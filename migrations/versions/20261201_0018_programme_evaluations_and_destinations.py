"""programme plans and their activities, termly self-evaluations across the eight benchmarks,
leavers' destinations followed up for three years

Revision ID: 0018
Revises: 0016
Create Date: 2026-12-01 21:42:16

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('leavers',
    sa.Column('school_id', sa.Uuid(), nullable=False),
    sa.Column('reference', sa.String(length=50), nullable=False),
    sa.Column('leaving_year', sa.Integer(), nullable=False),
    sa.Column('year_group', sa.Integer(), nullable=False),
    sa.Column('disadvantaged', sa.Boolean(), nullable=False),
    sa.Column('send', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('year_group BETWEEN 7 AND 13', name=op.f('ck_leavers_year_group_secondary')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_leavers_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leavers')),
    sa.UniqueConstraint('school_id', 'reference', 'leaving_year', name='uq_leavers_school_ref')
    )
    op.create_table('programme_plans',
    sa.Column('school_id', sa.Uuid(), nullable=False),
    sa.Column('academic_year', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', name='planstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('summary', sa.String(length=4000), nullable=True),
    sa.Column('access_pupils', sa.String(length=2000), nullable=True),
    sa.Column('access_parents', sa.String(length=2000), nullable=True),
    sa.Column('access_teachers', sa.String(length=2000), nullable=True),
    sa.Column('access_employers', sa.String(length=2000), nullable=True),
    sa.Column('impact_measures', sa.String(length=4000), nullable=True),
    sa.Column('next_review_on', sa.Date(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_programme_plans_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_plans')),
    sa.UniqueConstraint('school_id', 'academic_year', name='uq_programme_plans_school_year')
    )
    op.create_table('self_evaluations',
    sa.Column('school_id', sa.Uuid(), nullable=False),
    sa.Column('academic_year', sa.Integer(), nullable=False),
    sa.Column('term', sa.Enum('autumn', 'spring', 'summer', name='term', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('computed', sa.JSON(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_self_evaluations_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_self_evaluations')),
    sa.UniqueConstraint('school_id', 'academic_year', 'term', name='uq_self_evaluations_school_term')
    )
    op.create_table('destination_records',
    sa.Column('leaver_id', sa.Uuid(), nullable=False),
    sa.Column('stage', sa.Integer(), nullable=False),
    sa.Column('route', sa.Enum('education', 'apprenticeship', 'employment', 'neet', 'unknown', name='route', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('education_level', sa.Integer(), nullable=True),
    sa.Column('recorded_on', sa.Date(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(route = 'education') = (education_level IS NOT NULL)", name=op.f('ck_destination_records_level_for_education')),
    sa.CheckConstraint('education_level IS NULL OR education_level BETWEEN 1 AND 8', name=op.f('ck_destination_records_level_rqf')),
    sa.CheckConstraint('stage BETWEEN 0 AND 3', name=op.f('ck_destination_records_stage_0_to_3')),
    sa.ForeignKeyConstraint(['leaver_id'], ['leavers.id'], name=op.f('fk_destination_records_leaver_id_leavers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_destination_records')),
    sa.UniqueConstraint('leaver_id', 'stage', name='uq_destination_records_leaver_stage')
    )
    op.create_table('programme_activities',
    sa.Column('plan_id', sa.Uuid(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('year_group', sa.Integer(), nullable=False),
    sa.Column('half_term', sa.Integer(), nullable=False),
    sa.Column('benchmarks', sa.JSON(), nullable=False),
    sa.Column('activity_type', sa.String(length=32), nullable=True),
    sa.Column('responsible_staff', sa.String(length=200), nullable=True),
    sa.Column('partner_type', sa.Enum('employer', 'provider', 'adviser', 'none', name='partnertype', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('target_pupils', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('planned', 'requested', 'done', 'cancelled', name='activitystatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('notes', sa.String(length=2000), nullable=True),
    sa.Column('need_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('half_term BETWEEN 1 AND 6', name=op.f('ck_programme_activities_half_term_1_to_6')),
    sa.CheckConstraint('target_pupils > 0', name=op.f('ck_programme_activities_target_pupils_positive')),
    sa.CheckConstraint('year_group BETWEEN 7 AND 13', name=op.f('ck_programme_activities_year_group_secondary')),
    sa.ForeignKeyConstraint(['need_id'], ['needs.id'], name=op.f('fk_programme_activities_need_id_needs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['plan_id'], ['programme_plans.id'], name=op.f('fk_programme_activities_plan_id_programme_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_activities')),
    sa.UniqueConstraint('need_id', name=op.f('uq_programme_activities_need_id'))
    )
    with op.batch_alter_table('programme_activities', schema=None) as batch_op:
        batch_op.create_index('ix_programme_activities_plan_id', ['plan_id'], unique=False)



def downgrade():
    with op.batch_alter_table('programme_activities', schema=None) as batch_op:
        batch_op.drop_index('ix_programme_activities_plan_id')

    op.drop_table('programme_activities')
    op.drop_table('destination_records')
    op.drop_table('self_evaluations')
    op.drop_table('programme_plans')
    op.drop_table('leavers')
