"""activities, concerns, health library, audit log, opt-outs

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 13:16:03.204931
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor', sa.String(length=60), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_person_id'), ['person_id'], unique=False)

    op.create_table('health_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=60), nullable=False),
    sa.Column('topic', sa.String(length=30), nullable=False),
    sa.Column('source_name', sa.String(length=120), nullable=False),
    sa.Column('source_url', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_health_messages')),
    sa.UniqueConstraint('slug', name=op.f('uq_health_messages_slug'))
    )
    with op.batch_alter_table('health_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_health_messages_topic'), ['topic'], unique=False)

    op.create_table('health_message_texts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['health_messages.id'], name=op.f('fk_health_message_texts_message_id_health_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_health_message_texts')),
    sa.UniqueConstraint('message_id', 'language', name=op.f('uq_health_message_texts_message_id_language'))
    )
    with op.batch_alter_table('health_message_texts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_health_message_texts_message_id'), ['message_id'], unique=False)

    op.create_table('activities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('kind_other', sa.String(length=100), nullable=True),
    sa.Column('topic', sa.String(length=30), nullable=False),
    sa.Column('happened_on', sa.Date(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=True),
    sa.Column('venue', sa.String(length=30), nullable=False),
    sa.Column('people_reached', sa.Integer(), nullable=False),
    sa.Column('minutes_given', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=1000), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_activities_area_id_areas'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_activities_person_id_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activities'))
    )
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activities_happened_on'), ['happened_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_activities_person_id'), ['person_id'], unique=False)

    op.create_table('concerns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('affects', sa.String(length=20), nullable=True),
    sa.Column('area_id', sa.Integer(), nullable=True),
    sa.Column('urgency', sa.String(length=20), nullable=False),
    sa.Column('contact_ok', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('received', 'passed_on', 'acknowledged', 'in_progress', 'resolved', 'closed', name='concernstatus', native_enum=False, length=20), nullable=False),
    sa.Column('red_flag', sa.String(length=30), nullable=True),
    sa.Column('confirmed', sa.Boolean(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_concerns_area_id_areas'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_concerns_person_id_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_concerns'))
    )
    with op.batch_alter_table('concerns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_concerns_person_id'), ['person_id'], unique=False)

    op.create_table('attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('concern_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('ref', sa.String(length=500), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['concern_id'], ['concerns.id'], name=op.f('fk_attachments_concern_id_concerns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments'))
    )
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachments_concern_id'), ['concern_id'], unique=False)

    op.create_table('concern_updates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('concern_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('received', 'passed_on', 'acknowledged', 'in_progress', 'resolved', 'closed', name='concernstatus', native_enum=False, length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('by_role', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['concern_id'], ['concerns.id'], name=op.f('fk_concern_updates_concern_id_concerns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_concern_updates'))
    )
    with op.batch_alter_table('concern_updates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_concern_updates_concern_id'), ['concern_id'], unique=False)

    with op.batch_alter_table('identities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opted_out_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reported_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('about_person_id', sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_outbox_about_person_id"), ["about_person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_about_person_id'))
        batch_op.drop_column('about_person_id')
        batch_op.drop_column('reported_at')

    with op.batch_alter_table('identities', schema=None) as batch_op:
        batch_op.drop_column('opted_out_at')

    with op.batch_alter_table('concern_updates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_concern_updates_concern_id'))

    op.drop_table('concern_updates')
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachments_concern_id'))

    op.drop_table('attachments')
    with op.batch_alter_table('concerns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_concerns_person_id'))

    op.drop_table('concerns')
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activities_person_id'))
        batch_op.drop_index(batch_op.f('ix_activities_happened_on'))

    op.drop_table('activities')
    with op.batch_alter_table('health_message_texts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_health_message_texts_message_id'))

    op.drop_table('health_message_texts')
    with op.batch_alter_table('health_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_health_messages_topic'))

    op.drop_table('health_messages')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_person_id'))

    op.drop_table('audit_log')
