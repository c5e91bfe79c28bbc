"""Check-ins, contacts and organisation life: pages."""

from flask import Blueprint

bp = Blueprint("checkins_pages", __name__)
