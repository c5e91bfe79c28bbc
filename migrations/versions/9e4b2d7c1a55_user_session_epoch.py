"""users: session epoch (logout and password change end every page session)

Revision ID: 9e4b2d7c1a55
Revises: 7d3f9a1c2e44
Create Date: 2026-11-30 14:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9e4b2d7c1a55'
down_revision = '7d3f9a1c2e44'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_epoch', sa.Integer(), server_default='0',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_epoch')
