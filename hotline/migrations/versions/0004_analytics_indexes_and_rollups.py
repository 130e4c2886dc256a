"""analytics: cases by acceptance time index; daily case rollups

Revision ID: 0004
Revises: 0003
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_cases_created_at', 'cases', ['created_at'], unique=False)
    op.create_table('case_rollups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('grouping', sa.String(length=8), nullable=False),
    sa.Column('intent', sa.String(length=32), nullable=True),
    sa.Column('town', sa.String(length=32), nullable=True),
    sa.Column('channel', sa.String(length=32), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('service_item_id', sa.Integer(), nullable=True),
    sa.Column('n_all', sa.Integer(), nullable=False),
    sa.Column('n_response_due', sa.Integer(), nullable=False),
    sa.Column('n_responded_in_time', sa.Integer(), nullable=False),
    sa.Column('n_not_responded_in_time', sa.Integer(), nullable=False),
    sa.Column('n_closed', sa.Integer(), nullable=False),
    sa.Column('n_closed_in_time', sa.Integer(), nullable=False),
    sa.Column('n_closed_late', sa.Integer(), nullable=False),
    sa.Column('n_due', sa.Integer(), nullable=False),
    sa.Column('n_on_time', sa.Integer(), nullable=False),
    sa.Column('n_overdue', sa.Integer(), nullable=False),
    sa.Column('n_callback_any', sa.Integer(), nullable=False),
    sa.Column('n_callback_answered', sa.Integer(), nullable=False),
    sa.Column('n_satisfied', sa.Integer(), nullable=False),
    sa.Column('n_consult_on_call', sa.Integer(), nullable=False),
    sa.Column('n_consult_dispatched', sa.Integer(), nullable=False),
    sa.Column('handling_seconds', sa.Float(), nullable=False),
    sa.Column('call_seconds', sa.Float(), nullable=False),
    sa.Column('calls', sa.Integer(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('event_watermark', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_rollups'))
    )
    op.create_index('ix_case_rollups_grouping_day', 'case_rollups', ['grouping', 'day'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_case_rollups_grouping_day', table_name='case_rollups')
    op.drop_table('case_rollups')
    op.drop_index('ix_cases_created_at', table_name='cases')
