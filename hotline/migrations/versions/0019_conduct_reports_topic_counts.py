"""conduct reports (党风政风监督: cases readable only by 纪委监委 and supervisors); hot-topic term counts kept
per week as cases change, and the spikes found in them (console notices for supervisors); rollups gain an
intent-only grouping (rebuilt on the next refresh)

Revision ID: 0019
Revises: 0014
"""

from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('confidential', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_index('ix_cases_updated_at', 'cases', ['updated_at'])
    op.create_table('case_topic_terms',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('week', sa.Date(), nullable=False),
    sa.Column('terms', sa.Text(), nullable=False),
    sa.Column('dimensions', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_topic_terms_case_id_cases'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_case_topic_terms'))
    )
    op.create_table('topic_term_counts',
    sa.Column('week', sa.Date(), nullable=False),
    sa.Column('dimension', sa.String(length=16), nullable=False),
    sa.Column('value', sa.String(length=64), nullable=False),
    sa.Column('term', sa.String(length=32), nullable=False),
    sa.Column('cases', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('week', 'dimension', 'value', 'term', name=op.f('pk_topic_term_counts'))
    )
    op.create_table('topic_spikes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('week', sa.Date(), nullable=False),
    sa.Column('dimension', sa.String(length=16), nullable=False),
    sa.Column('value', sa.String(length=64), nullable=False),
    sa.Column('term', sa.String(length=32), nullable=False),
    sa.Column('cases', sa.Integer(), nullable=False),
    sa.Column('baseline', sa.Float(), nullable=False),
    sa.Column('found_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('seen_by', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_topic_spikes')),
    sa.UniqueConstraint('week', 'dimension', 'value', 'term', name='uq_topic_spikes_key')
    )
    # the rollups gained the intent-only grouping ("i"): the next refresh rebuilds them all
    op.execute("DELETE FROM rollup_watermark")
    op.create_table('topic_count_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_watermark', sa.DateTime(timezone=True), nullable=False),
    sa.Column('built_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_topic_count_state'))
    )


def downgrade() -> None:
    op.drop_table('topic_spikes')
    op.drop_table('topic_count_state')
    op.drop_table('topic_term_counts')
    op.drop_table('case_topic_terms')
    op.drop_index('ix_cases_updated_at', table_name='cases')
    with op.batch_alter_table('cases') as batch:
        batch.drop_column('confidential')
