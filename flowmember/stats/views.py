"""Statistics: pages."""

from flask import Blueprint

bp = Blueprint("stats_pages", __name__)
