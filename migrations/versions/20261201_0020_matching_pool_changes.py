"""matching pool changes: the volunteers and employers each write touched, numbered in
commit order, so every process refreshes only those (a full reload only as a fallback)

Revision ID: 0020
Revises: 0018
Create Date: 2026-12-01 23:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('matching_pool_generations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sequence', sa.BigInteger(), server_default='0', nullable=False))
    op.create_table('matching_pool_changes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('sequence', sa.BigInteger(), nullable=False),
    sa.Column('volunteer_id', sa.Uuid(), nullable=True),
    sa.Column('employer_id', sa.Uuid(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_matching_pool_changes'))
    )
    with op.batch_alter_table('matching_pool_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_matching_pool_changes_sequence'), ['sequence'], unique=False)


def downgrade():
    with op.batch_alter_table('matching_pool_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_matching_pool_changes_sequence'))
    op.drop_table('matching_pool_changes')
    with op.batch_alter_table('matching_pool_generations', schema=None) as batch_op:
        batch_op.drop_column('sequence')
