"""Member ledger: pages."""

from flask import Blueprint

bp = Blueprint("members_pages", __name__)
