import pytest

from tests.jobs import sample_jobs
from tests.reminders.conftest import outbox  # noqa: F401


@pytest.fixture(autouse=True)
def _reset_sample_jobs():
    sample_jobs.calls.clear()
    sample_jobs.gate.clear()
    sample_jobs.entered.clear()
    yield
    sample_jobs.gate.set()
