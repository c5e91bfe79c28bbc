"""Transfers: tables."""
