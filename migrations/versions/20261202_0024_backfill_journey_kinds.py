"""backfill the role-model kinds of journeys recorded before 0017b (it added `kinds` as 0)

Revision ID: 0024
Revises: 0019
Create Date: 2026-12-02 01:10:00

The kinds are derived from the steps as `services.journeys.role_model_kinds` derived them
when this was written; the rules are copied here so later changes to the service cannot
change what this migration did. Every journey is recomputed (a journey saved since 0017b
already holds the same value), and the matching pool's generation is renewed so a running
process reloads the kinds rather than keep the zeros.
"""
import uuid

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0019'
branch_labels = None
depends_on = None

# models.journeys.RoleModelKind in its (append-only) bit order.
STARTED_AT_LEVEL_2, APPRENTICESHIP, T_LEVEL, REACHED_LEVEL_4, CAREER_CHANGE, SELF_EMPLOYED = (
    1 << bit for bit in range(6)
)
ROUTE_KINDS = {
    'apprenticeship': APPRENTICESHIP,
    't_level': T_LEVEL,
    'career_change': CAREER_CHANGE,
    'self_employed': SELF_EMPLOYED,
}
journeys = sa.table(
    'journeys', sa.column('id', sa.Uuid()), sa.column('steps', sa.JSON()), sa.column('kinds', sa.Integer())
)
generations = sa.table('matching_pool_generations', sa.column('generation', sa.Uuid()))


def kinds_of(steps: list[dict]) -> int:
    bits = 0
    if steps and steps[0]['level'] <= 2:
        bits |= STARTED_AT_LEVEL_2
    if any(step['level'] >= 4 for step in steps):
        bits |= REACHED_LEVEL_4
    for step in steps:
        bits |= ROUTE_KINDS.get(step['route'], 0)
    return bits


def upgrade():
    connection = op.get_bind()
    rows = connection.execute(sa.select(journeys.c.id, journeys.c.steps, journeys.c.kinds)).all()
    changed = [
        {'journey_id': journey_id, 'new_kinds': kinds_of(steps or [])}
        for journey_id, steps, kinds in rows
        if kinds != kinds_of(steps or [])
    ]
    if changed:
        connection.execute(
            journeys.update()
            .where(journeys.c.id == sa.bindparam('journey_id'))
            .values(kinds=sa.bindparam('new_kinds')),
            changed,
        )
        connection.execute(generations.update().values(generation=uuid.uuid4()))


def downgrade():
    pass  # the kinds stay right: 0017b's zeros were never meant
