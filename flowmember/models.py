"""Imports every model module so that the metadata (and Alembic) sees all tables."""

from flowmember.accounts.models import ApiToken, User  # noqa: F401
from flowmember.core.audit import AuditEntry  # noqa: F401
from flowmember.core.idempotency import IdempotencyKey  # noqa: F401
from flowmember.members.models import Member  # noqa: F401
from flowmember.orgs.models import Org  # noqa: F401
