"""Check-ins, contacts and organisation life: demo data."""


def seed_demo(ctx) -> None:
    """Add this package's demo records (ctx: flowmember.demo.DemoContext)."""
