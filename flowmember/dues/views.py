"""Dues: pages."""

from flask import Blueprint

bp = Blueprint("dues_pages", __name__)
