#!/usr/bin/env python3
"""FlowMember's two commands, each self-sufficient on a fresh machine with Python 3.11+:

    python3 dev.py serve   # venv, install, migrate SQLite, demo data on first run,
                           # web on http://127.0.0.1:5000 plus the scheduler process
    python3 dev.py test    # venv, install with test extras, lint, the whole test suite

Extra arguments after ``test`` go to pytest (``python3 dev.py test -k dues -x``)."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
CHROMIUM = "/usr/bin/chromium"


def run(*cmd: str | Path, **kwargs) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT, **kwargs)


def ensure_venv(extras: str) -> None:
    """Create .venv and install the project (again only when pyproject.toml changed)."""
    if sys.version_info < (3, 11):  # noqa: UP036 - this file runs before the venv exists
        sys.exit("FlowMember needs Python 3.11 or newer.")
    if not (BIN / "python").exists():
        print(f"Creating a virtual environment in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / f".installed-{extras or 'app'}"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    target = f".[{extras}]" if extras else "."
    run(BIN / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(BIN / "python", "-m", "pip", "install", "--quiet", "-e", target)
    stamp.write_text(digest)


def flowmember(*args: str, **kwargs) -> None:
    run(BIN / "flowmember", *args, **kwargs)


def serve() -> None:
    ensure_venv("")
    flowmember("db", "upgrade")
    flowmember("demo")  # loads only into an empty database
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    scheduler = subprocess.Popen([str(BIN / "flowmember"), "jobs", "run"], cwd=ROOT, env=env)
    web = subprocess.Popen(
        [str(BIN / "flowmember"), "run", "--host", "127.0.0.1", "--port", "5000"],
        cwd=ROOT,
        env=env,
    )
    print("FlowMember is starting on http://127.0.0.1:5000 (Ctrl+C stops it)", flush=True)
    try:
        while web.poll() is None:
            if scheduler.poll() is not None:
                print("The scheduler stopped; the web app keeps running.", flush=True)
                scheduler = _Stopped()
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        for proc in (web, scheduler):
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        for proc in (web, scheduler):
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


class _Stopped:
    def poll(self):
        return 0


def ensure_chromium() -> None:
    """The browser tests drive Debian's Chromium (with a Chinese font for the printed letter);
    install it when missing and possible."""
    if Path(CHROMIUM).exists():
        return
    apt = shutil.which("apt-get")
    if apt and hasattr(os, "geteuid") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        run(apt, "update", "-qq", env=env)
        packages = ("chromium", "fonts-wqy-microhei")
        run(apt, "install", "-y", "-qq", *packages, env=env, stdout=subprocess.DEVNULL)
    elif os.environ.get("CI"):
        sys.exit(f"{CHROMIUM} is missing: install Debian's chromium package.")
    else:
        print("Chromium not found: browser tests will be skipped.", flush=True)


def test(pytest_args: list[str]) -> None:
    ensure_venv("test")
    ensure_chromium()
    run(BIN / "ruff", "check", ".")
    result = subprocess.run([str(BIN / "python"), "-m", "pytest", *pytest_args], cwd=ROOT)
    sys.exit(result.returncode)


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in ("serve", "test"):
        sys.exit(__doc__)
    if sys.argv[1] == "serve":
        serve()
    else:
        test(sys.argv[2:])


if __name__ == "__main__":
    main()
