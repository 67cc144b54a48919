"""what waits for each recipient to write, indexed, so "is anything held for this
address?" (asked on every turn) reads those rows and not everything they were sent

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 02:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# bot.storage.models.held, as it stood when this was written.
HELD = sa.text("status = 'held'")


def upgrade() -> None:
    op.create_index("ix_outbox_held", "outbox", ["channel", "address"], unique=False,
                    postgresql_where=HELD, sqlite_where=HELD)


def downgrade() -> None:
    op.drop_index("ix_outbox_held", table_name="outbox")
