"""career journeys: a volunteer's steps, sharing choices and the columns the tube map
filters on

Revision ID: 0017
Revises: 0011
Create Date: 2026-12-01 22:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('journeys',
    sa.Column('volunteer_id', sa.Uuid(), nullable=False),
    sa.Column('steps', sa.JSON(), nullable=False),
    sa.Column('shared', sa.Boolean(), nullable=False),
    sa.Column('named', sa.Boolean(), nullable=False),
    sa.Column('shared_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('region', sa.String(length=40), nullable=True),
    sa.Column('start_level', sa.Integer(), nullable=True),
    sa.Column('reached_level', sa.Integer(), nullable=True),
    sa.Column('first_route', sa.String(length=30), nullable=True),
    sa.Column('sectors', sa.Integer(), nullable=False),
    sa.Column('routes', sa.Integer(), nullable=False),
    sa.Column('path', sa.Text(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('NOT named OR shared', name=op.f('ck_journeys_named_only_when_shared')),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteers.id'], name=op.f('fk_journeys_volunteer_id_volunteers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journeys')),
    sa.UniqueConstraint('volunteer_id', name=op.f('uq_journeys_volunteer_id'))
    )
    with op.batch_alter_table('journeys', schema=None) as batch_op:
        batch_op.create_index('ix_journeys_shared_start_level', ['shared', 'start_level'], unique=False)


def downgrade():
    with op.batch_alter_table('journeys', schema=None) as batch_op:
        batch_op.drop_index('ix_journeys_shared_start_level')
    op.drop_table('journeys')
