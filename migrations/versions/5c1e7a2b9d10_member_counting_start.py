"""members: when lapse counting starts (tracking start, org since, carried history)

Revision ID: 5c1e7a2b9d10
Revises: db5afe82f022
Create Date: 2026-11-30 12:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c1e7a2b9d10'
down_revision = 'db5afe82f022'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('entered_month', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('tracked_since_month', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('org_since_month', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('carried_paid_through_month', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('carried_org_life_month', sa.Integer(), nullable=True))
    # Records already on the books entered FlowMember in the month they were created.
    if op.get_bind().dialect.name == 'sqlite':
        month = ("CAST(strftime('%Y', created_at) AS INTEGER) * 12"
                 " + CAST(strftime('%m', created_at) AS INTEGER) - 1")
    else:
        month = ("CAST(EXTRACT(YEAR FROM created_at) AS INTEGER) * 12"
                 " + CAST(EXTRACT(MONTH FROM created_at) AS INTEGER) - 1")
    op.execute(f"UPDATE members SET entered_month = {month}, tracked_since_month = {month}")
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.alter_column('entered_month', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('tracked_since_month', existing_type=sa.Integer(), nullable=False)


def downgrade():
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_column('carried_org_life_month')
        batch_op.drop_column('carried_paid_through_month')
        batch_op.drop_column('org_since_month')
        batch_op.drop_column('tracked_since_month')
        batch_op.drop_column('entered_month')
