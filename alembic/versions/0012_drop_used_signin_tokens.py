"""drop used_signin_tokens: sign-in links are used up through used_links instead

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 18:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_table('used_signin_tokens')


def downgrade() -> None:
    op.create_table('used_signin_tokens',
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('nonce', name=op.f('pk_used_signin_tokens'))
    )
