"""`govcloud run`: the portal, the feedback service and a worker with beat, as child processes.

The parent supervises: if one child dies, all stop; Ctrl-C (SIGINT) or SIGTERM stops every child
and waits for them, so nothing is left running.

Each child runs in a process group of its own, so a terminal's Ctrl-C reaches only this parent,
which asks each child once to stop (SIGTERM) and, past the grace period, kills the child's whole
group. A gunicorn worker that got the terminal's SIGINT and its master's SIGQUIT together could
hang on its way out, after its master had gone, and outlive `govcloud run`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

from core.settings import Settings

GRACE_SECONDS = 10
GUNICORN_CONFIG = "python:core.gunicorn_config"


def _children(settings: Settings, workers: int) -> dict[str, list[str]]:
    python = sys.executable
    # The images' and the charts' gunicorn configuration (logging, access log without tokens).
    gunicorn = [python, "-m", "gunicorn", "--config", GUNICORN_CONFIG, "--workers", str(workers)]
    gunicorn += ["--threads", "4"]
    portal, feedback = f"{settings.host}:{settings.port}", f"{settings.host}:{settings.feedback_port}"
    return {
        "portal": [*gunicorn, "--bind", portal, "portal.app:create_app()"],
        "feedback": [*gunicorn, "--bind", feedback, "feedback.web.app:create_app()"],
        "worker": [python, "-m", "portal.cli", "worker", "--beat", "--concurrency", "2"],
        "feedback-worker": [python, "-m", "portal.cli", "feedback", "worker", "--beat", "--concurrency", "1"],
    }


def _child_environ(settings: Settings) -> dict[str, str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if not settings.probe_allowed_networks and settings.env != "production":
        # the demo's probes reach its own pages on this machine; a deployment lists its own networks
        env["GOVCLOUD_PROBE_ALLOWED_NETWORKS"] = "127.0.0.0/8,::1/128"
    return env


def serve_everything(settings: Settings, workers: int) -> int:
    processes: dict[str, subprocess.Popen[bytes]] = {}
    stopping = False

    def stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    env = _child_environ(settings)
    for name, argv in _children(settings, workers).items():
        # a process group of its own (in this session): signalled only by this parent
        processes[name] = subprocess.Popen(argv, env=env, process_group=0)  # noqa: S603 - our own modules
    print(
        f"\nPortal:   http://{settings.host}:{settings.port}/\n"
        f"Feedback: http://{settings.host}:{settings.feedback_port}/\n"
        "Press Ctrl-C to stop.\n",
        flush=True,
    )
    exit_code = 0
    while not stopping:
        for name, process in processes.items():
            if process.poll() is not None:
                print(f"{name} exited with {process.returncode}; stopping everything", file=sys.stderr)
                exit_code = 1
                stopping = True
                break
        time.sleep(0.5)
    _stop_all(list(processes.values()))
    print("stopped", flush=True)
    return exit_code


def _stop_all(processes: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM to each child once (gunicorn's master stops its workers, Celery its pool), then, after
    the grace period for whatever is left, SIGKILL to each child's whole group: a worker still there
    once its master is gone, or a child past the grace period."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + GRACE_SECONDS
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        with contextlib.suppress(ProcessLookupError):  # an empty group: all of it stopped by itself
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
