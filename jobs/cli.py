"""``flowmember jobs ...``: the scheduler process and one-off runs."""

import click


@click.group("jobs")
def jobs_group():
    """The scheduler: ``run`` (the one scheduler process), ``run-once NAME``."""
