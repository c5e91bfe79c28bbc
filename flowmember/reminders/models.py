"""Reminders and notices: tables."""
