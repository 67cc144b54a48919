"""attachment files kept in the media store

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 14:27:45.292628
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sa.Enum('pending', 'stored', 'refused', 'failed', 'removed', name='mediastate', native_enum=False, length=20), nullable=False, server_default='pending'))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('error', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('stored_as', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('size', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('stored_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reported_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_attachments_due', ['state', 'next_attempt_at'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_attachments_stored_as'), ['stored_as'])



def downgrade() -> None:
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_attachments_stored_as'), type_='unique')
        batch_op.drop_index('ix_attachments_due')
        batch_op.drop_column('reported_at')
        batch_op.drop_column('stored_at')
        batch_op.drop_column('sha256')
        batch_op.drop_column('size')
        batch_op.drop_column('stored_as')
        batch_op.drop_column('error')
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('attempts')
        batch_op.drop_column('state')

