"""Lapse and lost contact: tables."""
