"""kb_keyword: which version changed each entry, when a full re-index is due, the base's token

Revision ID: kb_keyword_0002
Revises: kb_keyword_0001
Create Date: 2026-12-05 13:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'kb_keyword_0002'
down_revision = 'kb_keyword_0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('kb_keyword_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('change_version', sa.Integer(), nullable=False, server_default='0'))
        batch_op.create_index(batch_op.f('ix_kb_keyword_entries_change_version'), ['change_version'], unique=False)
    with op.batch_alter_table('kb_keyword_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rebuild_version', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('token', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('kb_keyword_state', schema=None) as batch_op:
        batch_op.drop_column('token')
        batch_op.drop_column('rebuild_version')
    with op.batch_alter_table('kb_keyword_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_keyword_entries_change_version'))
        batch_op.drop_column('change_version')
