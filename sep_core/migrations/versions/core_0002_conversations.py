"""Tables of the core's conversational channels, adopted from channel_social

Conversations, their messages, linking codes and failures, and ticket links moved from the
channel_social plugin into the core (``sep_core.conversations``), so that any chat channel,
built in or from a separate distribution, shares them. They keep their names. A database whose
channel_social branch already created them (channel_social_0001 before this move) keeps its
tables and rows; any other database gets them here.

Revision ID: core_0002
Revises: core_0001
Create Date: 2026-12-05 08:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'core_0002'
down_revision = 'core_0001'
branch_labels = None
depends_on = None

TABLES = ('channel_social_conversations', 'channel_social_link_codes', 'channel_social_link_failures',
          'channel_social_messages', 'channel_social_tickets')


def upgrade():
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if set(TABLES) <= existing:
        return  # created by channel_social_0001 on this database: adopted as they are
    if existing & set(TABLES):
        raise RuntimeError("Some of the conversation tables exist and some do not: "
                           + ", ".join(sorted(existing & set(TABLES))) + ". Restore them before upgrading.")
    op.create_table('channel_social_conversations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=40), nullable=False),
    sa.Column('external_id', sa.String(length=120), nullable=False),
    sa.Column('reply_to', sa.String(length=120), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('private', sa.Boolean(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('linked_at', sa.DateTime(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_message_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_channel_social_conversations_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_channel_social_conversations')),
    sa.UniqueConstraint('channel', 'external_id', name='uq_channel_social_conversations_account')
    )
    with op.batch_alter_table('channel_social_conversations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_channel_social_conversations_channel'), ['channel'], unique=False)
        batch_op.create_index(batch_op.f('ix_channel_social_conversations_last_message_at'), ['last_message_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_channel_social_conversations_user_id'), ['user_id'], unique=False)

    op.create_table('channel_social_link_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('conversation_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['conversation_id'], ['channel_social_conversations.id'], name=op.f('fk_channel_social_link_codes_conversation_id_channel_social_conversations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_channel_social_link_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_channel_social_link_codes')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_channel_social_link_codes_code_hash'))
    )
    with op.batch_alter_table('channel_social_link_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_channel_social_link_codes_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_channel_social_link_codes_user_id'), ['user_id'], unique=False)

    op.create_table('channel_social_link_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('conversation_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['channel_social_conversations.id'], name=op.f('fk_channel_social_link_failures_conversation_id_channel_social_conversations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_channel_social_link_failures_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_channel_social_link_failures'))
    )
    with op.batch_alter_table('channel_social_link_failures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_channel_social_link_failures_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_channel_social_link_failures_user_id'), ['user_id'], unique=False)

    op.create_table('channel_social_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.String(length=3), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('inquiry_id', sa.Integer(), nullable=True),
    sa.Column('dedupe_key', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['channel_social_conversations.id'], name=op.f('fk_channel_social_messages_conversation_id_channel_social_conversations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['inquiry_id'], ['inquiries.id'], name=op.f('fk_channel_social_messages_inquiry_id_inquiries'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_channel_social_messages'))
    )
    with op.batch_alter_table('channel_social_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_channel_social_messages_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_channel_social_messages_dedupe_key'), ['dedupe_key'], unique=False)

    op.create_table('channel_social_tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.String(length=60), nullable=False),
    sa.Column('ticket_number', sa.String(length=60), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['channel_social_conversations.id'], name=op.f('fk_channel_social_tickets_conversation_id_channel_social_conversations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_channel_social_tickets'))
    )
    with op.batch_alter_table('channel_social_tickets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_channel_social_tickets_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_channel_social_tickets_ticket_id'), ['ticket_id'], unique=False)



def downgrade():
    with op.batch_alter_table('channel_social_tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_channel_social_tickets_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_channel_social_tickets_conversation_id'))

    op.drop_table('channel_social_tickets')
    with op.batch_alter_table('channel_social_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_channel_social_messages_dedupe_key'))
        batch_op.drop_index(batch_op.f('ix_channel_social_messages_conversation_id'))

    op.drop_table('channel_social_messages')
    with op.batch_alter_table('channel_social_link_failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_channel_social_link_failures_user_id'))
        batch_op.drop_index(batch_op.f('ix_channel_social_link_failures_conversation_id'))

    op.drop_table('channel_social_link_failures')
    with op.batch_alter_table('channel_social_link_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_channel_social_link_codes_user_id'))
        batch_op.drop_index(batch_op.f('ix_channel_social_link_codes_conversation_id'))

    op.drop_table('channel_social_link_codes')
    with op.batch_alter_table('channel_social_conversations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_channel_social_conversations_user_id'))
        batch_op.drop_index(batch_op.f('ix_channel_social_conversations_last_message_at'))
        batch_op.drop_index(batch_op.f('ix_channel_social_conversations_channel'))

    op.drop_table('channel_social_conversations')
