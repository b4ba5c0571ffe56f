"""organisations by name: directory pages read in index order instead of sorting

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 16:20:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_organisations_name_id', 'organisations', ['name', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_organisations_name_id', table_name='organisations')
