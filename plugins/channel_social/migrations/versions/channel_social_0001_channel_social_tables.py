"""channel_social tables

Revision ID: channel_social_0001
Revises:
Create Date: 2026-11-27 02:33:38.483322
"""

from alembic import op
import sqlalchemy as sa


revision = 'channel_social_0001'
down_revision = None
branch_labels = ('channel_social',)
depends_on = 'core_0001'


def upgrade():
    op.create_table('channel_social_quota',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=40), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('units', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_channel_social_quota')),
    sa.UniqueConstraint('channel', 'day', name='uq_channel_social_quota_day')
    )
    # The conversation tables this revision created before 0.2 now belong to the core (core_0002),
    # which adopts them where they exist.


def downgrade():
    op.drop_table('channel_social_quota')
