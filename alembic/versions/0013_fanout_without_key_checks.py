"""a broadcast's rows are written without a key check per row

The outbox's keys to people and broadcasts, and the recipients' keys, were checked
for every row a broadcast writes (about half of a fan-out's time on PostgreSQL),
yet nothing deletes people (erasure keeps the row) or broadcasts, and every id
written comes from those tables in the same statement. Recipients are keyed by
(broadcast, person), which they were unique on already: one index fewer to write.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 20:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SENT = sa.text("provider_message_id IS NOT NULL")
ABOUT = sa.text("about_person_id IS NOT NULL")


def upgrade() -> None:
    with _parts_kept():
        with op.batch_alter_table("outbox", schema=None) as batch_op:
            batch_op.drop_constraint("fk_outbox_person_id_people", type_="foreignkey")
            batch_op.drop_constraint("fk_outbox_broadcast_id_broadcasts", type_="foreignkey")
    with op.batch_alter_table("broadcast_recipients", schema=None) as batch_op:
        batch_op.drop_constraint("fk_broadcast_recipients_broadcast_id_broadcasts",
                                 type_="foreignkey")
        batch_op.drop_constraint("fk_broadcast_recipients_person_id_people", type_="foreignkey")
        batch_op.drop_index("ix_broadcast_recipients_person_id")
        batch_op.drop_constraint("uq_broadcast_recipients_broadcast_id_person_id",
                                 type_="unique")
        batch_op.drop_constraint("pk_broadcast_recipients", type_="primary")
        batch_op.drop_column("id")
        batch_op.create_primary_key("pk_broadcast_recipients", ["broadcast_id", "person_id"])


def downgrade() -> None:
    op.rename_table("broadcast_recipients", "broadcast_recipients_keyed")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE broadcast_recipients_keyed "
                   "RENAME CONSTRAINT pk_broadcast_recipients TO pk_broadcast_recipients_keyed")
    op.create_table(
        "broadcast_recipients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("broadcast_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(["broadcast_id"], ["broadcasts.id"],
                                name="fk_broadcast_recipients_broadcast_id_broadcasts",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"],
                                name="fk_broadcast_recipients_person_id_people",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_broadcast_recipients"),
        sa.UniqueConstraint("broadcast_id", "person_id",
                            name="uq_broadcast_recipients_broadcast_id_person_id"),
    )
    op.create_index("ix_broadcast_recipients_person_id", "broadcast_recipients", ["person_id"])
    op.execute("INSERT INTO broadcast_recipients "
               "(broadcast_id, person_id, channel, address, language) "
               "SELECT broadcast_id, person_id, channel, address, language "
               "FROM broadcast_recipients_keyed ORDER BY broadcast_id, person_id")
    op.drop_table("broadcast_recipients_keyed")
    with _parts_kept():
        with op.batch_alter_table("outbox", schema=None) as batch_op:
            batch_op.create_foreign_key("fk_outbox_broadcast_id_broadcasts", "broadcasts",
                                        ["broadcast_id"], ["id"], ondelete="SET NULL")
            batch_op.create_foreign_key("fk_outbox_person_id_people", "people",
                                        ["person_id"], ["id"], ondelete="SET NULL")


class _parts_kept:
    """On SQLite the outbox is rebuilt (copied, dropped, renamed back) and, keys being
    on, dropping it would delete the parts_sent rows that refer to it: keep them aside."""

    def __enter__(self) -> None:
        self.sqlite = op.get_bind().dialect.name == "sqlite"
        if self.sqlite:
            op.execute("CREATE TEMP TABLE parts_sent_kept AS SELECT * FROM parts_sent")

    def __exit__(self, *failed: object) -> None:
        if self.sqlite and failed[0] is None:
            op.execute("INSERT INTO parts_sent SELECT * FROM parts_sent_kept "
                       "WHERE outbox_id IN (SELECT id FROM outbox) "
                       "AND outbox_id NOT IN (SELECT outbox_id FROM parts_sent)")
            op.execute("DROP TABLE parts_sent_kept")
