"""Dues: tables."""
