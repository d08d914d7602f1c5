"""sms_gateway messages: accepted SMS parts and their delivery status

Revision ID: sms_gateway_0001
Revises:
Create Date: 2026-12-05 08:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = 'sms_gateway_0001'
down_revision = None
branch_labels = ('sms_gateway',)
depends_on = 'core_0001'


def upgrade():
    op.create_table(
        'sms_gateway_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('outbox_id', sa.Integer(), nullable=True),
        sa.Column('backend', sa.String(length=10), nullable=False),
        sa.Column('provider_id', sa.String(length=80), nullable=False),
        sa.Column('part', sa.Integer(), nullable=False),
        sa.Column('parts', sa.Integer(), nullable=False),
        sa.Column('recipient', sa.String(length=24), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('provider_status', sa.String(length=40), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('status_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_gateway_messages')),
        sa.UniqueConstraint('backend', 'provider_id', name='uq_sms_gateway_messages_provider_id'),
    )
    with op.batch_alter_table('sms_gateway_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sms_gateway_messages_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sms_gateway_messages_outbox_id'), ['outbox_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sms_gateway_messages_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('sms_gateway_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sms_gateway_messages_status'))
        batch_op.drop_index(batch_op.f('ix_sms_gateway_messages_outbox_id'))
        batch_op.drop_index(batch_op.f('ix_sms_gateway_messages_created_at'))
    op.drop_table('sms_gateway_messages')
