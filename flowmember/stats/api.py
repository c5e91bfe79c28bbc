"""Statistics: API."""

from flowmember.core.api import Blueprint

blp = Blueprint("stats", __name__, url_prefix="/api/v1", description="Statistics")
