"""offer weekdays as a bitmask (Monday = bit 0), as modes and year groups are, so the
directory counts an offer's available days in SQL; the coordinates' index also holds
each offer's modes and travel radius, so the directory's box of radii reads only it;
and the (status, kind) index goes: every published offer matches it, and SQLite
(without statistics) took it over the coordinates and looked up every row

Revision ID: 0022
Revises: 0024
Create Date: 2026-12-02 01:15:00

"""
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0024'
branch_labels = None
depends_on = None

WEEKDAYS = ('monday', 'tuesday', 'wednesday', 'thursday', 'friday')


def _rows(column):
    offers = sa.table('offers', sa.column('id', sa.Uuid()), sa.column(column))
    return op.get_bind().execute(sa.select(offers.c.id, offers.c[column])).all()


def upgrade():
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('weekday_bits', sa.Integer(), server_default='0', nullable=False))
    rows = _rows('available_weekdays')
    offers = sa.table('offers', sa.column('id', sa.Uuid()), sa.column('weekday_bits', sa.Integer()))
    for offer_id, days in rows:
        days = json.loads(days) if isinstance(days, str) else days
        bits = sum(1 << WEEKDAYS.index(day) for day in set(days or []) if day in WEEKDAYS)
        if bits:
            op.execute(offers.update().where(offers.c.id == offer_id).values(weekday_bits=bits))
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_column('available_weekdays')
        batch_op.alter_column('weekday_bits', new_column_name='available_weekdays')
        batch_op.drop_index('ix_offers_latitude_longitude')
        batch_op.drop_index('ix_offers_status_kind')
        batch_op.create_index(
            'ix_offers_latitude_longitude_reach',
            ['latitude', 'longitude', 'modes', 'travel_radius_km'],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_index('ix_offers_latitude_longitude_reach')
        batch_op.create_index('ix_offers_status_kind', ['status', 'kind'], unique=False)
        batch_op.create_index('ix_offers_latitude_longitude', ['latitude', 'longitude'], unique=False)
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('weekday_names', sa.JSON(), nullable=True))
    rows = _rows('available_weekdays')
    offers = sa.table('offers', sa.column('id', sa.Uuid()), sa.column('weekday_names', sa.JSON()))
    for offer_id, bits in rows:
        days = [day for i, day in enumerate(WEEKDAYS) if bits & (1 << i)]
        op.execute(offers.update().where(offers.c.id == offer_id).values(weekday_names=days))
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_column('available_weekdays')
        batch_op.alter_column('weekday_names', new_column_name='available_weekdays')
