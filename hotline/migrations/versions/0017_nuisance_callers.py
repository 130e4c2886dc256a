"""nuisance callers: the blacklist (number, reason, expiry, who flagged / decided, blocked-call count);
cases.citizen_language (the language the citizen reads: SMS texts); SMS kinds for staff notices (临期预警, 红牌); case_photos (citizens' photos on the web form)

Revision ID: 0017
Revises: 0014
"""

from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

OLD_KINDS = ('receipt', 'reply', 'callback')
NEW_KINDS = OLD_KINDS + ('warning', 'red_card')


def _kinds(values) -> str:
    return "kind IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    op.create_table('nuisance_numbers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('state', sa.Enum('pending', 'active', 'rejected', 'lifted', name='nuisance_state', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('flagged_by', sa.String(length=64), nullable=False),
    sa.Column('call_id', sa.String(length=64), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('blocked_calls', sa.Integer(), server_default='0', nullable=False),
    sa.Column('last_blocked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nuisance_numbers'))
    )
    with op.batch_alter_table('nuisance_numbers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nuisance_numbers_phone'), ['phone'], unique=False)
    op.create_table('case_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=128), nullable=False),
    sa.Column('media_type', sa.String(length=32), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_photos_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_photos'))
    )
    with op.batch_alter_table('case_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_photos_case_id'), ['case_id'], unique=False)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('citizen_language', sa.String(length=8), nullable=True))
    with op.batch_alter_table('sms_outbox', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_sms_outbox_sms_kind'), type_='check')
        batch_op.create_check_constraint('sms_kind', _kinds(NEW_KINDS))


def downgrade() -> None:
    with op.batch_alter_table('case_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_photos_case_id'))
    op.drop_table('case_photos')
    op.execute("DELETE FROM sms_outbox WHERE kind IN ('warning', 'red_card')")
    with op.batch_alter_table('sms_outbox', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_sms_outbox_sms_kind'), type_='check')
        batch_op.create_check_constraint('sms_kind', _kinds(OLD_KINDS))
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('citizen_language')
    with op.batch_alter_table('nuisance_numbers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nuisance_numbers_phone'))
    op.drop_table('nuisance_numbers')
