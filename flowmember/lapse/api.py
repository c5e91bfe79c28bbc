"""Lapse and lost contact: API."""

from flowmember.core.api import Blueprint

blp = Blueprint("lapse", __name__, url_prefix="/api/v1", description="Lapse and lost contact")
