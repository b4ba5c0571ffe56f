"""programme activities link the offer requests and bookings made of them

Revision ID: 0024b
Revises: 0022
Create Date: 2026-12-02 01:19:04

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024b'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('programme_activities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('offer_request_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('booking_id', sa.Uuid(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_programme_activities_booking_id'), ['booking_id'])
        batch_op.create_unique_constraint(batch_op.f('uq_programme_activities_offer_request_id'), ['offer_request_id'])
        batch_op.create_foreign_key(batch_op.f('fk_programme_activities_offer_request_id_offer_requests'), 'offer_requests', ['offer_request_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_programme_activities_booking_id_bookings'), 'bookings', ['booking_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('programme_activities', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_programme_activities_booking_id_bookings'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_programme_activities_offer_request_id_offer_requests'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_programme_activities_offer_request_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_programme_activities_booking_id'), type_='unique')
        batch_op.drop_column('booking_id')
        batch_op.drop_column('offer_request_id')

