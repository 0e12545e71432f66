"""Start and stop the product's own processes on this machine.

One place for the command lines of web (gunicorn) and worker (Celery), used by `make run`
(`run_stack`), the benchmarks in `bench/` and the integration tests that run real processes.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterable

import requests

PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_command(port: int, *, workers: int = 2, threads: int = 4, log_level: str = "warning") -> list[str]:
    """The production web process (gthread workers: the webhook answers in milliseconds)."""
    return [
        PYTHON, "-m", "gunicorn", "crm.wsgi",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
        "--threads", str(threads),
        "--worker-class", "gthread",
        "--log-level", log_level,
    ]  # fmt: skip


def worker_command(*, concurrency: int = 2, loglevel: str = "INFO", pool: str = "threads") -> list[str]:
    return [
        PYTHON, "-m", "celery", "-A", "crm", "worker",
        "--pool", pool, "--concurrency", str(concurrency),
        "--without-mingle", "--without-gossip", "--loglevel", loglevel,
    ]  # fmt: skip


def beat_command(*, schedule_file: str, loglevel: str = "INFO") -> list[str]:
    return [PYTHON, "-m", "celery", "-A", "crm", "beat", "--loglevel", loglevel, "--schedule", schedule_file]


def wait_until_healthy(base_url: str, *, timeout: float = 30.0) -> bool:
    """Poll /healthz until it answers 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.2)
    return False


def stop(processes: Iterable[subprocess.Popen], *, timeout: float = 15.0) -> None:
    """SIGTERM everything, wait for all of them together, then SIGKILL what is left."""
    processes = list(processes)
    for process in processes:
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + timeout
    for process in processes:
        try:
            process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def recreate_postgres_database(server_url: str, name: str) -> str:
    """Drop and create database `name` on the server (benchmarks only); returns its URL."""
    import psycopg

    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server_url}/{name}"
