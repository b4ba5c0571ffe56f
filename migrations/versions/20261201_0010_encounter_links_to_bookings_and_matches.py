"""encounter links to bookings and matches; the reports' covering index

An encounter made from a completed booking or a scheduled match points at it: one
encounter per booking and per match (unique), and the encounter outlives its source
(ON DELETE SET NULL), since it is the pupils' record. Benchmark reports read who attended
each encounter, in which year group, from one index.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 13:05:18.093058

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    # Nothing wrote these columns before; clear any id that points nowhere so the keys hold.
    op.execute(
        "UPDATE encounters SET booking_id = NULL "
        "WHERE booking_id IS NOT NULL AND booking_id NOT IN (SELECT id FROM bookings)"
    )
    op.execute(
        "UPDATE encounters SET match_id = NULL "
        "WHERE match_id IS NOT NULL AND match_id NOT IN (SELECT id FROM matches)"
    )
    with op.batch_alter_table('encounters', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_encounters_booking_id'), ['booking_id'])
        batch_op.create_unique_constraint(batch_op.f('uq_encounters_match_id'), ['match_id'])
        batch_op.create_foreign_key(batch_op.f('fk_encounters_booking_id_bookings'), 'bookings', ['booking_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_encounters_match_id_matches'), 'matches', ['match_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.create_index('ix_attendances_encounter_id_pupil_id_year_group', ['encounter_id', 'pupil_id', 'year_group'], unique=False)


def downgrade():
    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.drop_index('ix_attendances_encounter_id_pupil_id_year_group')
    with op.batch_alter_table('encounters', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_encounters_match_id_matches'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_encounters_booking_id_bookings'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_encounters_match_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_encounters_booking_id'), type_='unique')
