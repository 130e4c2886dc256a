"""service network: holiday calendar years entered in full; service items' type, source and window;
level 4 grid households, their linked households and tasks; 中转办 offline steps;
red service teams and home-visit records; item change requests

Revision ID: 0012
Revises: 0011
"""

from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('calendar_years',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('confirmed_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_calendar_years'))
    )
    with op.batch_alter_table('service_items') as batch:
        batch.add_column(sa.Column('item_type', sa.String(length=32), nullable=False,
                                   server_default='public_service'))
        batch.add_column(sa.Column('source', sa.String(length=16), nullable=False, server_default='banner'))
        batch.add_column(sa.Column('window_number', sa.Integer(), nullable=True))
    op.create_table('grid_households',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.Enum('party_member', 'smart_herder', name='grid_household_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('head_name', sa.String(length=64), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_grid_households_site_id_sites')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_grid_households_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grid_households')),
    sa.UniqueConstraint('code', name=op.f('uq_grid_households_code')),
    sa.UniqueConstraint('user_id', name=op.f('uq_grid_households_user_id'))
    )
    op.create_index(op.f('ix_grid_households_site_id'), 'grid_households', ['site_id'], unique=False)
    op.create_table('linked_households',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grid_household_id', sa.Integer(), nullable=False),
    sa.Column('head_name', sa.String(length=64), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('place', sa.String(length=64), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['grid_household_id'], ['grid_households.id'], name=op.f('fk_linked_households_grid_household_id_grid_households')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_linked_households'))
    )
    op.create_index(op.f('ix_linked_households_grid_household_id'), 'linked_households', ['grid_household_id'], unique=False)
    op.create_index(op.f('ix_linked_households_phone'), 'linked_households', ['phone'], unique=False)
    op.create_table('grid_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grid_household_id', sa.Integer(), nullable=False),
    sa.Column('linked_household_id', sa.Integer(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('assist', 'proxy', 'visit', name='grid_task_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('status', sa.Enum('open', 'done', name='grid_task_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('request', sa.String(length=200), nullable=False),
    sa.Column('requested_by', sa.String(length=64), nullable=False),
    sa.Column('outcome', sa.Enum('visited', 'proxied', 'not_home', name='grid_task_outcome', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_by', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_grid_tasks_case_id_cases')),
    sa.ForeignKeyConstraint(['grid_household_id'], ['grid_households.id'], name=op.f('fk_grid_tasks_grid_household_id_grid_households')),
    sa.ForeignKeyConstraint(['linked_household_id'], ['linked_households.id'], name=op.f('fk_grid_tasks_linked_household_id_linked_households')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grid_tasks'))
    )
    op.create_index(op.f('ix_grid_tasks_case_id'), 'grid_tasks', ['case_id'], unique=False)
    op.create_index(op.f('ix_grid_tasks_grid_household_id'), 'grid_tasks', ['grid_household_id'], unique=False)
    op.create_index(op.f('ix_grid_tasks_status'), 'grid_tasks', ['status'], unique=False)
    op.create_table('case_offline_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('added_by', sa.String(length=64), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_by', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_offline_steps_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_offline_steps'))
    )
    op.create_index(op.f('ix_case_offline_steps_case_id'), 'case_offline_steps', ['case_id'], unique=False)
    op.create_table('red_teams',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('town', sa.String(length=32), nullable=False),
    sa.Column('vehicle', sa.String(length=64), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_red_teams')),
    sa.UniqueConstraint('code', name=op.f('uq_red_teams_code'))
    )
    op.create_table('red_team_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('duty', sa.String(length=64), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['red_teams.id'], name=op.f('fk_red_team_members_team_id_red_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_red_team_members'))
    )
    op.create_index(op.f('ix_red_team_members_team_id'), 'red_team_members', ['team_id'], unique=False)
    op.create_table('home_visit_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appointment_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.Enum('done', 'not_home', 'follow_up', name='visit_outcome', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointments.id'], name=op.f('fk_home_visit_records_appointment_id_appointments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['red_teams.id'], name=op.f('fk_home_visit_records_team_id_red_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_home_visit_records'))
    )
    op.create_index(op.f('ix_home_visit_records_appointment_id'), 'home_visit_records', ['appointment_id'], unique=False)
    op.create_index(op.f('ix_home_visit_records_team_id'), 'home_visit_records', ['team_id'], unique=False)

    op.create_table('item_change_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_code', sa.String(length=32), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('submitted', 'published', 'rejected', name='change_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('proposed_by', sa.String(length=64), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_by', sa.String(length=64), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('review_note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_item_change_requests_case_id_cases')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_item_change_requests_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_item_change_requests'))
    )
    op.create_index(op.f('ix_item_change_requests_department_id'), 'item_change_requests', ['department_id'], unique=False)
    op.create_index(op.f('ix_item_change_requests_item_code'), 'item_change_requests', ['item_code'], unique=False)
    op.create_index(op.f('ix_item_change_requests_status'), 'item_change_requests', ['status'], unique=False)

def downgrade() -> None:
    op.drop_table('item_change_requests')
    op.drop_table('home_visit_records')
    op.drop_table('red_team_members')
    op.drop_table('red_teams')
    op.drop_table('case_offline_steps')
    op.drop_table('grid_tasks')
    op.drop_table('linked_households')
    op.drop_table('grid_households')
    with op.batch_alter_table('service_items') as batch:
        batch.drop_column('window_number')
        batch.drop_column('source')
        batch.drop_column('item_type')
    op.drop_table('calendar_years')
