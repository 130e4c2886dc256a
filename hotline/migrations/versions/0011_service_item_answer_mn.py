"""service items: the short answer in Mongolian (answer_mn), beside name_mn; IVR prompt recordings

Revision ID: 0011
Revises: 0008
"""

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('service_items') as batch:
        batch.add_column(sa.Column('answer_mn', sa.Text(), nullable=True))
    op.create_table('prompt_recordings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slot', sa.String(length=32), nullable=False),
    sa.Column('path', sa.String(length=256), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('activated_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prompt_recordings'))
    )
    op.create_index(op.f('ix_prompt_recordings_slot'), 'prompt_recordings', ['slot'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_prompt_recordings_slot'), table_name='prompt_recordings')
    op.drop_table('prompt_recordings')
    with op.batch_alter_table('service_items') as batch:
        batch.drop_column('answer_mn')
