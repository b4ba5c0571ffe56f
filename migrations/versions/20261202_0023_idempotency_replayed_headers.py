"""idempotency keys keep the Location and ETag headers of the first response, so that a
replay repeats them

Revision ID: 0023
Revises: 0022b
Create Date: 2026-12-02 01:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('response_headers', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.drop_column('response_headers')
