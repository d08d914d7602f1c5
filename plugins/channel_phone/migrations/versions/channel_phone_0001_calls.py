"""channel_phone: the call journal

Revision ID: channel_phone_0001
Revises:
Create Date: 2026-12-05 08:45:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'channel_phone_0001'
down_revision = None
branch_labels = ('channel_phone',)
depends_on = 'core_0001'


def upgrade():
    op.create_table('channel_phone_calls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pbx_call_id', sa.String(length=100), nullable=True),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('caller_id', sa.Integer(), nullable=True),
    sa.Column('operator_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('request_number', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('duration_seconds', sa.Integer(), nullable=False),
    sa.Column('outside_hours', sa.Boolean(), nullable=False),
    sa.Column('next_open_at', sa.DateTime(), nullable=True),
    sa.Column('callback_done_at', sa.DateTime(), nullable=True),
    sa.Column('callback_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['callback_by_id'], ['users.id'], name=op.f('fk_channel_phone_calls_callback_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['caller_id'], ['users.id'], name=op.f('fk_channel_phone_calls_caller_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['operator_id'], ['users.id'], name=op.f('fk_channel_phone_calls_operator_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_channel_phone_calls')),
    sa.UniqueConstraint('pbx_call_id', name=op.f('uq_channel_phone_calls_pbx_call_id'))
    )
    op.create_index(op.f('ix_channel_phone_calls_phone'), 'channel_phone_calls', ['phone'], unique=False)
    op.create_index(op.f('ix_channel_phone_calls_caller_id'), 'channel_phone_calls', ['caller_id'], unique=False)
    op.create_index(op.f('ix_channel_phone_calls_operator_id'), 'channel_phone_calls', ['operator_id'], unique=False)
    op.create_index(op.f('ix_channel_phone_calls_outcome'), 'channel_phone_calls', ['outcome'], unique=False)
    op.create_index(op.f('ix_channel_phone_calls_started_at'), 'channel_phone_calls', ['started_at'], unique=False)


def downgrade():
    op.drop_table('channel_phone_calls')
