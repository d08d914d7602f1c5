"""webhooks_out tables

Revision ID: webhooks_out_0001
Revises:
Create Date: 2026-12-05 12:45:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'webhooks_out_0001'
down_revision = None
branch_labels = ('webhooks_out',)
depends_on = 'core_0001'


def upgrade():
    op.create_table('webhooks_out_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('events', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('secret', sa.String(length=120), nullable=False),
    sa.Column('previous_secret', sa.String(length=120), nullable=True),
    sa.Column('previous_secret_until', sa.DateTime(), nullable=True),
    sa.Column('disabled_reason', sa.String(length=200), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_webhooks_out_subscriptions_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhooks_out_subscriptions'))
    )
    op.create_index(op.f('ix_webhooks_out_subscriptions_active'), 'webhooks_out_subscriptions', ['active'], unique=False)
    op.create_table('webhooks_out_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=40), nullable=False),
    sa.Column('event_type', sa.String(length=60), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_status', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=False),
    sa.Column('last_attempt_at', sa.DateTime(), nullable=True),
    sa.Column('delivered_at', sa.DateTime(), nullable=True),
    sa.Column('resend_of_id', sa.Integer(), nullable=True),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['subscription_id'], ['webhooks_out_subscriptions.id'], name=op.f('fk_webhooks_out_deliveries_subscription_id_webhooks_out_subscriptions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhooks_out_deliveries'))
    )
    op.create_index(op.f('ix_webhooks_out_deliveries_subscription_id'), 'webhooks_out_deliveries', ['subscription_id'], unique=False)
    op.create_index(op.f('ix_webhooks_out_deliveries_event_id'), 'webhooks_out_deliveries', ['event_id'], unique=False)
    op.create_index(op.f('ix_webhooks_out_deliveries_status'), 'webhooks_out_deliveries', ['status'], unique=False)
    op.create_index(op.f('ix_webhooks_out_deliveries_created_at'), 'webhooks_out_deliveries', ['created_at'], unique=False)


def downgrade():
    op.drop_table('webhooks_out_deliveries')
    op.drop_table('webhooks_out_subscriptions')
