"""daily work: corrected case text keeps the original, case address, hand-entered channels (窗口/来信/座机),
reply templates, SMS outbox and SMS opt-outs

Revision ID: 0014
Revises: 0012
"""

from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0012'
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


    # SMS
    op.create_table('sms_opt_outs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_opt_outs')),
    sa.UniqueConstraint('phone', name=op.f('uq_sms_opt_outs_phone'))
    )
    op.create_table('sms_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('receipt', 'reply', 'callback', name='sms_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('state', sa.Enum('queued', 'sent', 'delivered', 'failed', 'cancelled', name='sms_state', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('provider_id', sa.String(length=64), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=300), server_default='', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_sms_outbox_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_outbox')),
    sa.UniqueConstraint('case_id', 'kind', name=op.f('uq_sms_outbox_case_id'))
    )
    with op.batch_alter_table('sms_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sms_outbox_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index('ix_sms_outbox_state_next_attempt_at', ['state', 'next_attempt_at'], unique=False)


def downgrade() -> None:
    op.drop_table('sms_outbox')
    op.drop_table('sms_opt_outs')
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
