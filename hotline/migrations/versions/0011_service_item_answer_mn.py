"""service items: the short answer in Mongolian (answer_mn), beside name_mn

Revision ID: 0011
Revises: 0007
"""

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('service_items') as batch:
        batch.add_column(sa.Column('answer_mn', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('service_items') as batch:
        batch.drop_column('answer_mn')
