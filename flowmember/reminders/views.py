"""Reminders and notices: pages."""

from flask import Blueprint

bp = Blueprint("reminders_pages", __name__)
