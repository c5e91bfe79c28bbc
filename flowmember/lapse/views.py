"""Lapse and lost contact: pages."""

from flask import Blueprint

bp = Blueprint("lapse_pages", __name__)
