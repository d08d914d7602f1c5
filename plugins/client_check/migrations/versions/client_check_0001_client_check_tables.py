"""client_check tables

Revision ID: client_check_0001
Revises:
Create Date: 2026-11-27 02:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'client_check_0001'
down_revision = None
branch_labels = ('client_check',)
depends_on = 'core_0001'


def upgrade():
    op.create_table('client_check_requirements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('why', sa.Text(), nullable=False),
    sa.Column('instructions', sa.Text(), nullable=False),
    sa.Column('download_url', sa.String(length=500), nullable=False),
    sa.Column('check', sa.String(length=12), nullable=False),
    sa.Column('probe_type', sa.String(length=20), nullable=False),
    sa.Column('probe_target', sa.String(length=200), nullable=False),
    sa.Column('server_check', sa.String(length=20), nullable=False),
    sa.Column('timeout_ms', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=12), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_client_check_requirements')),
    sa.UniqueConstraint('key', name=op.f('uq_client_check_requirements_key'))
    )
    op.create_table('client_check_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner', sa.String(length=80), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('requirement_key', sa.String(length=64), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('met', sa.Boolean(), nullable=False),
    sa.Column('browser', sa.String(length=120), nullable=False),
    sa.Column('checked_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_client_check_results_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_client_check_results')),
    sa.UniqueConstraint('owner', 'requirement_key', name=op.f('uq_client_check_results_owner'))
    )
    with op.batch_alter_table('client_check_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_client_check_results_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('client_check_results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_client_check_results_user_id'))

    op.drop_table('client_check_results')
    op.drop_table('client_check_requirements')
