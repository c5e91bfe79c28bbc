"""Transfers: API."""

from flowmember.core.api import Blueprint

blp = Blueprint("transfers", __name__, url_prefix="/api/v1", description="Transfers")
