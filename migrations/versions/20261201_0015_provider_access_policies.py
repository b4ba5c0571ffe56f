"""provider access policies: each school's statement, kept as numbered versions

Revision ID: 0015
Revises: 0017b
Create Date: 2026-12-01 22:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0017b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('provider_access_policies',
    sa.Column('school_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('procedure', sa.String(length=4000), nullable=False),
    sa.Column('grant_criteria', sa.String(length=4000), nullable=False),
    sa.Column('refusal_grounds', sa.JSON(), nullable=False),
    sa.Column('premises', sa.String(length=4000), nullable=False),
    sa.Column('key_phases', sa.JSON(), nullable=False),
    sa.Column('contact_name', sa.String(length=200), nullable=False),
    sa.Column('contact_email', sa.String(length=254), nullable=False),
    sa.Column('contact_phone', sa.String(length=30), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_by_user_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['published_by_user_id'], ['users.id'], name=op.f('fk_provider_access_policies_published_by_user_id_users')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_provider_access_policies_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_provider_access_policies')),
    sa.UniqueConstraint('school_id', 'version', name='uq_provider_access_policies_school_id_version')
    )


def downgrade():
    op.drop_table('provider_access_policies')
