"""matching pool generations (tell every process when the volunteers it holds changed);
matches indexed by invitation time (every ranking counts the last 30 days)

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


def downgrade():
    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.drop_index('ix_matches_invited_at')
    op.drop_table('matching_pool_generations')
