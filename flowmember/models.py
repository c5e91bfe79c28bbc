"""Imports every model module so that the metadata (and Alembic) sees all tables."""

from flowmember.accounts import models as _accounts  # noqa: F401
from flowmember.checkins import models as _checkins  # noqa: F401
from flowmember.core import audit as _audit  # noqa: F401
from flowmember.core import idempotency as _idempotency  # noqa: F401
from flowmember.dues import models as _dues  # noqa: F401
from flowmember.lapse import models as _lapse  # noqa: F401
from flowmember.members import models as _members  # noqa: F401
from flowmember.orgs import models as _orgs  # noqa: F401
from flowmember.reminders import models as _reminders  # noqa: F401
from flowmember.transfers import models as _transfers  # noqa: F401
from jobs import models as _jobs  # noqa: F401
