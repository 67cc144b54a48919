"""presses of a keyboard counted, so each quick tap on a multi-choice keyboard is
redrawn in place (a redraw answers one press, not every press noted so far)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pressed_keyboards") as batch:
        batch.add_column(sa.Column("presses", sa.Integer(), server_default="1",
                                   nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("pressed_keyboards") as batch:
        batch.drop_column("presses")
