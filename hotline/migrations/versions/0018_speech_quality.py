"""speech quality: per-call confidence, coverage, model and codec; the deferred transcription queue (past ASR
capacity) and the 待复听 review queue whose corrections give the measured CER

Revision ID: 0018
Revises: 0014
"""

from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('asr_confidence', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('asr_coverage', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('asr_model', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('codec', sa.String(length=32), nullable=True))
    op.create_table('deferred_transcriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.String(length=36), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('state', sa.Enum('queued', 'running', 'done', 'failed', name='deferred_state', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_deferred_transcriptions_call_id_calls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deferred_transcriptions')),
    sa.UniqueConstraint('call_id', name=op.f('uq_deferred_transcriptions_call_id'))
    )
    with op.batch_alter_table('deferred_transcriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deferred_transcriptions_state'), ['state'], unique=False)
    op.create_table('transcript_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.String(length=36), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('state', sa.Enum('pending', 'corrected', name='review_state', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('asr_model', sa.String(length=128), nullable=False),
    sa.Column('codec', sa.String(length=32), nullable=False),
    sa.Column('recognised_text', sa.Text(), nullable=False),
    sa.Column('corrected_text', sa.Text(), nullable=True),
    sa.Column('char_errors', sa.Integer(), nullable=True),
    sa.Column('ref_chars', sa.Integer(), nullable=True),
    sa.Column('cer', sa.Float(), nullable=True),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_transcript_reviews_call_id_calls'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_transcript_reviews_reviewer_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transcript_reviews')),
    sa.UniqueConstraint('call_id', name=op.f('uq_transcript_reviews_call_id'))
    )
    with op.batch_alter_table('transcript_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transcript_reviews_day'), ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_transcript_reviews_state'), ['state'], unique=False)


def downgrade() -> None:
    op.drop_table('transcript_reviews')
    op.drop_table('deferred_transcriptions')
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_column('codec')
        batch_op.drop_column('asr_model')
        batch_op.drop_column('asr_coverage')
        batch_op.drop_column('asr_confidence')
