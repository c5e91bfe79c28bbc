"""Transfers: pages."""

from flask import Blueprint

bp = Blueprint("transfers_pages", __name__)
