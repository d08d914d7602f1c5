"""calendar_ru: years loaded by an administrator (issue 13: the calendar cliff)

Revision ID: calendar_ru_0002
Revises: calendar_ru_0001
Create Date: 2026-12-05 08:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'calendar_ru_0002'
down_revision = 'calendar_ru_0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calendar_ru_years',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('imported_by', sa.Integer(), nullable=True),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['imported_by'], ['users.id'], name=op.f('fk_calendar_ru_years_imported_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_calendar_ru_years'))
    )


def downgrade():
    op.drop_table('calendar_ru_years')
