"""Dues: API."""

from flowmember.core.api import Blueprint

blp = Blueprint("dues", __name__, url_prefix="/api/v1", description="Dues")
