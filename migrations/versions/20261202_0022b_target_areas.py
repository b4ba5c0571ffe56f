"""schools know their combined authority and skills-plan (LSIP) area (filled by
`flask data load` from data/), and offers may aim at schools in named ones

Revision ID: 0022b
Revises: 0024b
Create Date: 2026-12-02 01:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022b'
down_revision = '0024b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.add_column(sa.Column('combined_authority', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('skills_area', sa.String(length=100), nullable=True))
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('target_combined_authorities', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('target_skills_areas', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_column('target_skills_areas')
        batch_op.drop_column('target_combined_authorities')
    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.drop_column('skills_area')
        batch_op.drop_column('combined_authority')
