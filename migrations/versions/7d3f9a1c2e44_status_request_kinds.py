"""status_requests.kind: probation_loss and removal

Revision ID: 7d3f9a1c2e44
Revises: 5c1e7a2b9d10
Create Date: 2026-11-30 13:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7d3f9a1c2e44'
down_revision = '5c1e7a2b9d10'
branch_labels = None
depends_on = None

OLD = ('suspension', 'restoration')
NEW = ('suspension', 'restoration', 'probation_loss', 'removal')


def _kind(values):
    return sa.Enum(*values, name='status_request_kind', native_enum=False, create_constraint=False)


def _check(values):
    listed = ', '.join(f"'{v}'" for v in values)
    return sa.text(f"kind IN ({listed})")


def upgrade():
    with op.batch_alter_table('status_requests', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_status_requests_status_request_kind'), type_='check')
        batch_op.alter_column('kind', existing_type=_kind(OLD), type_=_kind(NEW),
                              existing_nullable=False)
        batch_op.create_check_constraint('status_request_kind', _check(NEW))


def downgrade():
    op.execute("DELETE FROM status_requests WHERE kind IN ('probation_loss', 'removal')")
    with op.batch_alter_table('status_requests', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_status_requests_status_request_kind'), type_='check')
        batch_op.alter_column('kind', existing_type=_kind(NEW), type_=_kind(OLD),
                              existing_nullable=False)
        batch_op.create_check_constraint('status_request_kind', _check(OLD))
