"""analytics: one-row rollup watermark (last refresh time and event id); hourly rollups; cases by
acceptance time index carries the id

Revision ID: 0007
Revises: 0006
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rollup_watermark',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('event_watermark', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rollup_watermark'))
    )
    op.drop_index('ix_cases_created_at', table_name='cases')
    op.create_index('ix_cases_created_at', 'cases', ['created_at', 'id'], unique=False)
    op.add_column('case_rollups', sa.Column('hour', sa.Integer(), nullable=True))
    # rollups built before this revision lack the hourly grouping: drop them, so figures are counted
    # directly until the next build (`hotline demo refresh-rollups --full`, or at start on a small database)
    op.execute("DELETE FROM case_rollups")


def downgrade() -> None:
    op.drop_index('ix_cases_created_at', table_name='cases')
    op.create_index('ix_cases_created_at', 'cases', ['created_at'], unique=False)
    with op.batch_alter_table('case_rollups') as batch:
        batch.drop_column('hour')
    op.drop_table('rollup_watermark')
