"""schools know their rural-urban classification (ONS 2011, from GIAS; filled by
`flask data load` from data/schools.csv), and offers may aim at rural schools

Revision ID: 0025
Revises: 0023
Create Date: 2026-12-02 05:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.add_column(sa.Column('urban_rural', sa.String(length=100), nullable=True))
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('target_rural', sa.Boolean(), server_default='0', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_column('target_rural')
    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.drop_column('urban_rural')
