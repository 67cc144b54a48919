"""each lane's rows still to send, indexed in id order, and each recipient's, so a claim
reads the queues and not every row sent before

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 23:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# bot.storage.models.queued, as it stood when this was written.
UNFINISHED = "status IN ('pending', 'sending')"
BROADCAST = "kind = 'broadcast' AND released_at IS NULL"
BULK = sa.text(f"{UNFINISHED} AND {BROADCAST}")
CONVERSATION = sa.text(f"{UNFINISHED} AND NOT ({BROADCAST})")
RECIPIENT = sa.text(UNFINISHED)


def upgrade() -> None:
    op.create_index("ix_outbox_bulk_queue", "outbox", ["id"], unique=False,
                    postgresql_where=BULK, sqlite_where=BULK)
    op.create_index("ix_outbox_conversation_queue", "outbox", ["id"], unique=False,
                    postgresql_where=CONVERSATION, sqlite_where=CONVERSATION)
    op.create_index("ix_outbox_recipient_queue", "outbox", ["channel", "address", "id"],
                    unique=False, postgresql_where=RECIPIENT, sqlite_where=RECIPIENT)


def downgrade() -> None:
    op.drop_index("ix_outbox_recipient_queue", table_name="outbox")
    op.drop_index("ix_outbox_conversation_queue", table_name="outbox")
    op.drop_index("ix_outbox_bulk_queue", table_name="outbox")
