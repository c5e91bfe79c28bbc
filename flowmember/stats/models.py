"""Statistics: tables."""
