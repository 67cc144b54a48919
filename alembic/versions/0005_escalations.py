"""partners, coordinators' areas, escalations and their history

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 14:24:20.222831
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('partners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('all_areas', sa.Boolean(), nullable=False),
    sa.Column('emails', sa.JSON(), nullable=False),
    sa.Column('work_days', sa.String(length=7), nullable=False),
    sa.Column('work_start', sa.String(length=5), nullable=False),
    sa.Column('work_end', sa.String(length=5), nullable=False),
    sa.Column('digest_time', sa.String(length=5), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_digest_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partners'))
    )
    op.create_table('partner_areas',
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_partner_areas_area_id_areas'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_partner_areas_partner_id_partners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('partner_id', 'area_id', name=op.f('pk_partner_areas'))
    )
    op.create_table('partner_categories',
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_partner_categories_partner_id_partners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('partner_id', 'category', name=op.f('pk_partner_categories'))
    )
    op.create_table('coordinator_areas',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_coordinator_areas_area_id_areas'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_coordinator_areas_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', 'area_id', name=op.f('pk_coordinator_areas'))
    )
    op.create_table('escalations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('concern_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('new', 'acknowledged', 'in_progress', 'resolved', 'not_for_us', 'closed', name='escalationstatus', native_enum=False, length=20), nullable=False),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('changed_by', sa.String(length=60), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('coordinators_told_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('digested_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['concern_id'], ['concerns.id'], name=op.f('fk_escalations_concern_id_concerns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_escalations_partner_id_partners'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_escalations'))
    )
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_escalations_concern_id'), ['concern_id'], unique=False)
        batch_op.create_index('ix_escalations_open', ['status', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_escalations_partner_id'), ['partner_id'], unique=False)

    op.create_table('escalation_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('escalation_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('new', 'acknowledged', 'in_progress', 'resolved', 'not_for_us', 'closed', name='escalationstatus', native_enum=False, length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('actor', sa.String(length=60), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['escalation_id'], ['escalations.id'], name=op.f('fk_escalation_history_escalation_id_escalations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_escalation_history'))
    )
    with op.batch_alter_table('escalation_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_escalation_history_escalation_id'), ['escalation_id'], unique=False)

    with op.batch_alter_table('invites', schema=None) as batch_op:
        batch_op.add_column(sa.Column('partner_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_invites_partner_id_partners'), 'partners', ['partner_id'], ['id'], ondelete='CASCADE')

    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('partner_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_people_partner_id'), ['partner_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_people_partner_id_partners'), 'partners', ['partner_id'], ['id'], ondelete='SET NULL')



def downgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_people_partner_id_partners'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_people_partner_id'))
        batch_op.drop_column('partner_id')

    with op.batch_alter_table('invites', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_invites_partner_id_partners'), type_='foreignkey')
        batch_op.drop_column('partner_id')

    with op.batch_alter_table('escalation_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_escalation_history_escalation_id'))

    op.drop_table('escalation_history')
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_escalations_partner_id'))
        batch_op.drop_index('ix_escalations_open')
        batch_op.drop_index(batch_op.f('ix_escalations_concern_id'))

    op.drop_table('escalations')
    op.drop_table('coordinator_areas')
    op.drop_table('partner_categories')
    op.drop_table('partner_areas')
    op.drop_table('partners')
