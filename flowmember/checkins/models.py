"""Check-ins, contacts and organisation life: tables."""
