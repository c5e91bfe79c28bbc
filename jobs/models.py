"""Scheduler: tables (job runs)."""
