"""alerts that wait for the first coordinator

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('waiting_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('about_person_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=True),
    sa.Column('address', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waiting_alerts'))
    )
    with op.batch_alter_table('waiting_alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_waiting_alerts_about_person_id'),
                              ['about_person_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('waiting_alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_waiting_alerts_about_person_id'))
    op.drop_table('waiting_alerts')
