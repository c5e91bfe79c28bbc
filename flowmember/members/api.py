"""Member ledger: API."""

from flowmember.core.api import Blueprint

blp = Blueprint("members", __name__, url_prefix="/api/v1", description="Member ledger")
