"""tickets: specialist profiles as a managed list

Revision ID: tickets_0002
Revises: tickets_0001
Create Date: 2026-12-05 08:20:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'tickets_0002'
down_revision = 'tickets_0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('tickets_profiles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('name_ru', sa.String(length=120), nullable=False),
    sa.Column('name_en', sa.String(length=120), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tickets_profiles')),
    sa.UniqueConstraint('code', name=op.f('uq_tickets_profiles_code'))
    )


def downgrade():
    op.drop_table('tickets_profiles')
