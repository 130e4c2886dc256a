"""analytics indexes: cases by acceptance time

Revision ID: 0004
Revises: 0003
"""

from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_cases_created_at', 'cases', ['created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_cases_created_at', table_name='cases')
