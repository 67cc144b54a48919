"""activity totals per day, area, topic and kind and concerns raised per day and area, for
impact reports over long ranges; covering indexes for the concerns and new champions
counted by reports and digests

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What bot.storage.totals.rebuild does, as it stood when this was written.
ACTIVITIES = """
INSERT INTO activity_totals (happened_on, area_id, topic, kind, activities, people_reached,
                             minutes_given)
SELECT happened_on, COALESCE(area_id, 0), topic, kind, COUNT(*),
       COALESCE(SUM(people_reached), 0), COALESCE(SUM(minutes_given), 0)
FROM activities GROUP BY happened_on, COALESCE(area_id, 0), topic, kind
"""
CONCERNS = """
INSERT INTO concern_totals (raised_on, area_id, raised)
SELECT {day}, COALESCE(area_id, 0), COUNT(*) FROM concerns WHERE confirmed
GROUP BY {day}, COALESCE(area_id, 0)
"""


def upgrade() -> None:
    op.create_table(
        "activity_totals",
        sa.Column("happened_on", sa.Date(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=30), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("activities", sa.Integer(), nullable=False),
        sa.Column("people_reached", sa.Integer(), nullable=False),
        sa.Column("minutes_given", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("happened_on", "area_id", "topic", "kind",
                                name=op.f("pk_activity_totals")),
        sqlite_with_rowid=False,
    )
    op.execute(ACTIVITIES)
    op.create_table(
        "concern_totals",
        sa.Column("raised_on", sa.Date(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("raised", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("raised_on", "area_id", name=op.f("pk_concern_totals")),
        sqlite_with_rowid=False,
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.execute(CONCERNS.format(day="date(created_at)" if sqlite
                               else "CAST(created_at AT TIME ZONE 'UTC' AS date)"))
    op.create_index("ix_people_joined", "people", ["role", "created_at", "area_id"])
    op.drop_index("ix_concerns_created", table_name="concerns")
    op.create_index("ix_concerns_created", "concerns",
                    ["confirmed", "created_at", "category", "area_id"])
    op.drop_index("ix_concerns_updated", table_name="concerns")
    op.create_index("ix_concerns_updated", "concerns",
                    ["status", "confirmed", "updated_at", "area_id"])


def downgrade() -> None:
    op.drop_index("ix_people_joined", table_name="people")
    op.drop_index("ix_concerns_updated", table_name="concerns")
    op.create_index("ix_concerns_updated", "concerns", ["updated_at"])
    op.drop_index("ix_concerns_created", table_name="concerns")
    op.create_index("ix_concerns_created", "concerns", ["created_at"])
    op.drop_table("concern_totals")
    op.drop_table("activity_totals")
