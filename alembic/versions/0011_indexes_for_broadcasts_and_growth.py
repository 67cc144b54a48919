"""indexes for writing broadcasts and for reports over a grown programme

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SENT = sa.text("provider_message_id IS NOT NULL")
ABOUT = sa.text("about_person_id IS NOT NULL")


def upgrade() -> None:
    op.drop_index("ix_outbox_provider_message_id", table_name="outbox")
    op.create_index("ix_outbox_provider_message_id", "outbox", ["provider_message_id"],
                    postgresql_where=SENT, sqlite_where=SENT)
    op.drop_index("ix_outbox_about_person_id", table_name="outbox")
    op.create_index("ix_outbox_about_person_id", "outbox", ["about_person_id"],
                    postgresql_where=ABOUT, sqlite_where=ABOUT)
    op.create_index("ix_activities_by_day", "activities",
                    ["happened_on", "area_id", "topic", "kind", "people_reached",
                     "minutes_given"])
    op.create_index("ix_activities_by_person", "activities",
                    ["person_id", "happened_on", "topic", "people_reached", "minutes_given"])
    op.create_index("ix_concerns_created", "concerns", ["created_at"])
    op.create_index("ix_concerns_updated", "concerns", ["updated_at"])
    op.create_index("ix_escalations_acknowledged", "escalations", ["acknowledged_at"])
    op.create_index("ix_escalations_partner_status", "escalations", ["partner_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_escalations_partner_status", table_name="escalations")
    op.drop_index("ix_escalations_acknowledged", table_name="escalations")
    op.drop_index("ix_concerns_updated", table_name="concerns")
    op.drop_index("ix_concerns_created", table_name="concerns")
    op.drop_index("ix_activities_by_person", table_name="activities")
    op.drop_index("ix_activities_by_day", table_name="activities")
    op.drop_index("ix_outbox_about_person_id", table_name="outbox")
    op.create_index("ix_outbox_about_person_id", "outbox", ["about_person_id"])
    op.drop_index("ix_outbox_provider_message_id", table_name="outbox")
    op.create_index("ix_outbox_provider_message_id", "outbox", ["provider_message_id"])
