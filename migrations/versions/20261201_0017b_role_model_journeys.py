"""role models in matching: the kinds of a career journey, and the kinds a need asks for

Revision ID: 0017b
Revises: 0017
Create Date: 2026-12-01 23:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017b'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('journeys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kinds', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role_model_journeys', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.drop_column('role_model_journeys')
    with op.batch_alter_table('journeys', schema=None) as batch_op:
        batch_op.drop_column('kinds')
