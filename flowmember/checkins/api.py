"""Check-ins, contacts and organisation life: API."""

from flowmember.core.api import Blueprint

blp = Blueprint(
    "checkins",
    __name__,
    url_prefix="/api/v1",
    description="Check-ins, contacts and organisation life",
)
