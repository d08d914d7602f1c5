"""epts_registry tables

Revision ID: epts_registry_0001
Revises:
Create Date: 2026-11-27 02:50:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'epts_registry_0001'
down_revision = None
branch_labels = ('epts_registry',)
depends_on = 'core_0001'


def upgrade():
    op.create_table('epts_registry_vehicles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('epts_number', sa.String(length=15), nullable=False),
    sa.Column('vin', sa.String(length=17), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('make', sa.String(length=60), nullable=False),
    sa.Column('model', sa.String(length=80), nullable=False),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('category', sa.String(length=8), nullable=False),
    sa.Column('body', sa.String(length=40), nullable=False),
    sa.Column('engine', sa.String(length=80), nullable=False),
    sa.Column('power_kw', sa.Integer(), nullable=True),
    sa.Column('colour', sa.String(length=40), nullable=False),
    sa.Column('eco_class', sa.String(length=20), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('status_changed_on', sa.Date(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_epts_registry_vehicles'))
    )
    with op.batch_alter_table('epts_registry_vehicles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_epts_registry_vehicles_epts_number'), ['epts_number'], unique=True)
        batch_op.create_index(batch_op.f('ix_epts_registry_vehicles_vin'), ['vin'], unique=True)

    op.create_table('epts_registry_owners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('vehicle_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('region', sa.String(length=100), nullable=False),
    sa.Column('document', sa.String(length=120), nullable=False),
    sa.Column('owned_from', sa.Date(), nullable=True),
    sa.Column('owned_to', sa.Date(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_epts_registry_owners_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['vehicle_id'], ['epts_registry_vehicles.id'], name=op.f('fk_epts_registry_owners_vehicle_id_epts_registry_vehicles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_epts_registry_owners')),
    sa.UniqueConstraint('vehicle_id', 'seq', name='uq_epts_registry_owners_vehicle_seq')
    )
    with op.batch_alter_table('epts_registry_owners', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_epts_registry_owners_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_epts_registry_owners_phone'), ['phone'], unique=False)
        batch_op.create_index(batch_op.f('ix_epts_registry_owners_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_epts_registry_owners_vehicle_id'), ['vehicle_id'], unique=False)

    op.create_table('epts_registry_extracts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('vehicle_id', sa.Integer(), nullable=True),
    sa.Column('epts_number', sa.String(length=15), nullable=False),
    sa.Column('status_at_issue', sa.String(length=12), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('issued_to_id', sa.Integer(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['issued_to_id'], ['users.id'], name=op.f('fk_epts_registry_extracts_issued_to_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['vehicle_id'], ['epts_registry_vehicles.id'], name=op.f('fk_epts_registry_extracts_vehicle_id_epts_registry_vehicles'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_epts_registry_extracts'))
    )
    with op.batch_alter_table('epts_registry_extracts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_epts_registry_extracts_code'), ['code'], unique=True)

    op.create_table('epts_registry_identity_passes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('check_id', sa.String(length=40), nullable=False),
    sa.Column('passed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_epts_registry_identity_passes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_epts_registry_identity_passes')),
    sa.UniqueConstraint('user_id', 'check_id', name='uq_epts_registry_identity_passes_user_check')
    )
    with op.batch_alter_table('epts_registry_identity_passes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_epts_registry_identity_passes_user_id'), ['user_id'], unique=False)


def downgrade():
    for table in ('epts_registry_identity_passes', 'epts_registry_extracts', 'epts_registry_owners',
                  'epts_registry_vehicles'):
        op.drop_table(table)
