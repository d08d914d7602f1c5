"""tickets: idempotent filing (issue 13, item 4)

Revision ID: tickets_0003
Revises: tickets_0002
Create Date: 2026-12-05 09:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'tickets_0003'
down_revision = 'tickets_0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tickets_tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('idempotency_key', sa.String(length=100), nullable=True))
        batch_op.create_unique_constraint('uq_tickets_tickets_user_idempotency', ['user_id', 'idempotency_key'])


def downgrade():
    with op.batch_alter_table('tickets_tickets', schema=None) as batch_op:
        batch_op.drop_constraint('uq_tickets_tickets_user_idempotency', type_='unique')
        batch_op.drop_column('idempotency_key')
