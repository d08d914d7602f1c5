"""duty_roster tables

Revision ID: duty_roster_0001
Revises:
Create Date: 2026-12-05 08:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'duty_roster_0001'
down_revision = None
branch_labels = ('duty_roster',)
depends_on = 'core_0001'


def upgrade():
    op.create_table('duty_roster_shifts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('profile', sa.String(length=60), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('handover_note', sa.Text(), nullable=False),
    sa.Column('handed_over_at', sa.DateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_duty_roster_shifts_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_duty_roster_shifts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duty_roster_shifts'))
    )
    op.create_index(op.f('ix_duty_roster_shifts_user_id'), 'duty_roster_shifts', ['user_id'], unique=False)
    op.create_index(op.f('ix_duty_roster_shifts_starts_at'), 'duty_roster_shifts', ['starts_at'], unique=False)
    op.create_index(op.f('ix_duty_roster_shifts_ends_at'), 'duty_roster_shifts', ['ends_at'], unique=False)
    op.create_index(op.f('ix_duty_roster_shifts_handed_over_at'), 'duty_roster_shifts', ['handed_over_at'], unique=False)
    op.create_table('duty_roster_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_duty_roster_assignments_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duty_roster_assignments'))
    )
    op.create_index(op.f('ix_duty_roster_assignments_user_id'), 'duty_roster_assignments', ['user_id'], unique=False)
    op.create_index(op.f('ix_duty_roster_assignments_at'), 'duty_roster_assignments', ['at'], unique=False)


def downgrade():
    op.drop_table('duty_roster_assignments')
    op.drop_table('duty_roster_shifts')
