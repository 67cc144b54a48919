"""keyboards on screen, pressed keyboards and parts sent, kept in the database

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 14:25:45.538930
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('drawn_keyboards',
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('chat', sa.String(length=64), nullable=False),
    sa.Column('message_id', sa.BigInteger(), nullable=False),
    sa.Column('question', sa.String(length=120), nullable=True),
    sa.Column('drawn_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('channel', 'chat', name=op.f('pk_drawn_keyboards'))
    )
    op.create_table('pressed_keyboards',
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('chat', sa.String(length=64), nullable=False),
    sa.Column('message_id', sa.BigInteger(), nullable=False),
    sa.Column('pressed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('channel', 'chat', 'message_id', name=op.f('pk_pressed_keyboards'))
    )
    op.create_table('parts_sent',
    sa.Column('outbox_id', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox.id'], name=op.f('fk_parts_sent_outbox_id_outbox'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('outbox_id', name=op.f('pk_parts_sent'))
    )


def downgrade() -> None:
    op.drop_table('parts_sent')
    op.drop_table('pressed_keyboards')
    op.drop_table('drawn_keyboards')
