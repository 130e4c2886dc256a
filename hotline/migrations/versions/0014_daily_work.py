"""daily work: corrected case text keeps the original, case address, hand-entered channels (窗口/来信/座机),
reply templates

Revision ID: 0014
Revises: 0007
"""

from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0007'
branch_labels = None
depends_on = None

OLD_CHANNELS = ('phone', 'web', 'forum', 'kiosk')
NEW_CHANNELS = OLD_CHANNELS + ('walk_in', 'letter', 'desk_phone')


def _channels(values) -> str:
    return "channel IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    op.create_table('reply_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('service_item_id', sa.Integer(), nullable=True),
    sa.Column('shortcut', sa.SmallInteger(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_reply_templates_department_id_departments')),
    sa.ForeignKeyConstraint(['service_item_id'], ['service_items.id'], name=op.f('fk_reply_templates_service_item_id_service_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reply_templates'))
    )
    with op.batch_alter_table('reply_templates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reply_templates_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reply_templates_service_item_id'), ['service_item_id'], unique=False)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('original_content', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('address', sa.String(length=200), nullable=True))
        batch_op.drop_constraint(op.f('ck_cases_channel'), type_='check')
        batch_op.create_check_constraint('channel', _channels(NEW_CHANNELS))


def downgrade() -> None:
    op.execute("DELETE FROM cases WHERE channel IN ('walk_in', 'letter', 'desk_phone')")
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_cases_channel'), type_='check')
        batch_op.create_check_constraint('channel', _channels(OLD_CHANNELS))
        batch_op.drop_column('address')
        batch_op.drop_column('original_content')
    with op.batch_alter_table('reply_templates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reply_templates_service_item_id'))
        batch_op.drop_index(batch_op.f('ix_reply_templates_department_id'))
    op.drop_table('reply_templates')
