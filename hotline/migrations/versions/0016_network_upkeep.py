"""service network upkeep: item changes start as drafts; appointments book a window and a home visit closes;
register of residents in the special groups (with consent); market and party days; photos on 中心户 tasks

Revision ID: 0016
Revises: 0014
"""

from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0014'
branch_labels = None
depends_on = None


def _in(column: str, values) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


CHANGE_OLD = ('submitted', 'published', 'rejected')
APPOINTMENT_OLD = ('booked', 'cancelled')


def upgrade() -> None:
    with op.batch_alter_table('item_change_requests') as batch:
        batch.drop_constraint(op.f('ck_item_change_requests_change_status'), type_='check')
        batch.create_check_constraint(op.f('ck_item_change_requests_change_status'),
                                      _in('status', ('draft',) + CHANGE_OLD))
    with op.batch_alter_table('appointments') as batch:
        batch.add_column(sa.Column('window_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_appointments_window_id_windows'), 'windows', ['window_id'], ['id'])
        batch.drop_constraint(op.f('ck_appointments_appointment_status'), type_='check')
        batch.create_check_constraint(op.f('ck_appointments_appointment_status'),
                                      _in('status', APPOINTMENT_OLD + ('closed',)))
    with op.batch_alter_table('grid_tasks') as batch:
        batch.add_column(sa.Column('photo_path', sa.String(length=200), nullable=True))
    op.create_table('special_residents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('group', sa.Enum('elder_alone', 'sick_disabled', 'old_party_member', name='resident_group', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('town', sa.String(length=32), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('id_number', sa.String(length=32), nullable=True),
    sa.Column('needs', sa.String(length=200), nullable=False),
    sa.Column('consent_by', sa.String(length=64), nullable=False),
    sa.Column('consent_way', sa.String(length=64), nullable=False),
    sa.Column('consent_at', sa.Date(), nullable=False),
    sa.Column('registered_by', sa.String(length=64), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_special_residents_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_special_residents'))
    )
    op.create_index(op.f('ix_special_residents_group'), 'special_residents', ['group'], unique=False)
    op.create_index(op.f('ix_special_residents_site_id'), 'special_residents', ['site_id'], unique=False)
    op.create_index(op.f('ix_special_residents_town'), 'special_residents', ['town'], unique=False)
    op.create_table('service_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.Enum('market', 'party', name='service_day_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('town', sa.String(length=32), nullable=False),
    sa.Column('place', sa.String(length=64), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_days')),
    sa.UniqueConstraint('day', 'kind', 'town', 'place', name=op.f('uq_service_days_day'))
    )
    op.create_index(op.f('ix_service_days_day'), 'service_days', ['day'], unique=False)


def downgrade() -> None:
    op.drop_table('service_days')
    op.drop_table('special_residents')
    with op.batch_alter_table('grid_tasks') as batch:
        batch.drop_column('photo_path')
    op.execute("UPDATE appointments SET status = 'cancelled', seat = NULL WHERE status = 'closed'")
    with op.batch_alter_table('appointments') as batch:
        batch.drop_constraint(op.f('ck_appointments_appointment_status'), type_='check')
        batch.create_check_constraint(op.f('ck_appointments_appointment_status'), _in('status', APPOINTMENT_OLD))
        batch.drop_constraint(op.f('fk_appointments_window_id_windows'), type_='foreignkey')
        batch.drop_column('window_id')
    op.execute("DELETE FROM item_change_requests WHERE status = 'draft'")
    with op.batch_alter_table('item_change_requests') as batch:
        batch.drop_constraint(op.f('ck_item_change_requests_change_status'), type_='check')
        batch.create_check_constraint(op.f('ck_item_change_requests_change_status'),
                                      _in('status', CHANGE_OLD))
