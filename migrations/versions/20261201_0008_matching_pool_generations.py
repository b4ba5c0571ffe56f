"""matching pool generations (tell every process when the volunteers it holds changed);
matches indexed by invitation time (every ranking counts the last 30 days); each
volunteer's monthly capacity

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 13:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('matching_pool_generations',
    sa.Column('pool', sa.String(length=40), nullable=False),
    sa.Column('generation', sa.Uuid(), nullable=False),
    sa.PrimaryKeyConstraint('pool', name=op.f('pk_matching_pool_generations'))
    )
    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.create_index('ix_matches_invited_at', ['invited_at'], unique=False)
    with op.batch_alter_table('volunteers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('monthly_capacity', sa.Integer(), server_default='4', nullable=False))
        batch_op.create_check_constraint(
            'monthly_capacity_range', 'monthly_capacity BETWEEN 1 AND 20'
        )


def downgrade():
    with op.batch_alter_table('volunteers', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_volunteers_monthly_capacity_range'), type_='check')
        batch_op.drop_column('monthly_capacity')
    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.drop_index('ix_matches_invited_at')
    op.drop_table('matching_pool_generations')
