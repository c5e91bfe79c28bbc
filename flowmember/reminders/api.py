"""Reminders and notices: API."""

from flowmember.core.api import Blueprint

blp = Blueprint("reminders", __name__, url_prefix="/api/v1", description="Reminders and notices")
