"""adviser hours: each logged entry is a row, and an assignment's total is their sum (the
stored hours_logged goes); an ended assignment keeps the reason it ended

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    # No code path ever wrote hours_logged; if something did, stop rather than lose hours.
    logged = op.get_bind().scalar(
        sa.text('SELECT count(*) FROM adviser_assignments WHERE hours_logged <> 0')
    )
    if logged:
        raise RuntimeError(
            f'{logged} adviser assignments have hours_logged without entries; '
            'record them as adviser_hours rows first.'
        )
    op.create_table('adviser_hours',
    sa.Column('assignment_id', sa.Uuid(), nullable=False),
    sa.Column('worked_on', sa.Date(), nullable=False),
    sa.Column('hours', sa.Float(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('logged_by_user_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.CheckConstraint('hours > 0 AND hours <= 24', name=op.f('ck_adviser_hours_hours_in_a_day')),
    sa.ForeignKeyConstraint(['assignment_id'], ['adviser_assignments.id'], name=op.f('fk_adviser_hours_assignment_id_adviser_assignments')),
    sa.ForeignKeyConstraint(['logged_by_user_id'], ['users.id'], name=op.f('fk_adviser_hours_logged_by_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_adviser_hours'))
    )
    with op.batch_alter_table('adviser_hours', schema=None) as batch_op:
        batch_op.create_index('ix_adviser_hours_assignment_id_worked_on', ['assignment_id', 'worked_on'], unique=False)

    with op.batch_alter_table('adviser_assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('end_reason', sa.String(length=500), nullable=True))
        batch_op.drop_column('hours_logged')


def downgrade():
    with op.batch_alter_table('adviser_assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hours_logged', sa.Float(), server_default='0', nullable=False))
        batch_op.drop_column('end_reason')
    # Keep the hours: each assignment's total goes back into the column.
    op.execute(
        'UPDATE adviser_assignments SET hours_logged = COALESCE((SELECT sum(h.hours) '
        'FROM adviser_hours h WHERE h.assignment_id = adviser_assignments.id), 0)'
    )
    with op.batch_alter_table('adviser_assignments', schema=None) as batch_op:
        batch_op.alter_column('hours_logged', server_default=None)

    with op.batch_alter_table('adviser_hours', schema=None) as batch_op:
        batch_op.drop_index('ix_adviser_hours_assignment_id_worked_on')
    op.drop_table('adviser_hours')
