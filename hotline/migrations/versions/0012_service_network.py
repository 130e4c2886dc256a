"""service network: holiday calendar years entered in full; service items' type, source and window

Revision ID: 0012
Revises: 0007
"""

from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0007'
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


def downgrade() -> None:
    with op.batch_alter_table('service_items') as batch:
        batch.drop_column('window_number')
        batch.drop_column('source')
        batch.drop_column('item_type')
    op.drop_table('calendar_years')
