"""Job functions for testing the job machinery itself."""

from __future__ import annotations

import threading

calls: list = []
gate = threading.Event()
entered = threading.Event()


def count(as_of) -> dict:
    calls.append(as_of)
    return {"calls": len(calls)}


def boom(as_of) -> dict:
    calls.append(as_of)
    raise RuntimeError("the provider is down")


def flaky(as_of) -> dict:
    """Fails the first time, succeeds afterwards."""
    calls.append(as_of)
    if len(calls) == 1:
        raise RuntimeError("first try fails")
    return {"calls": len(calls)}


def wait_for_gate(as_of) -> dict:
    """Holds the run open until the test opens the gate."""
    calls.append(as_of)
    entered.set()
    assert gate.wait(timeout=30)
    return {"calls": len(calls)}
