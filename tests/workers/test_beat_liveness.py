"""The charts' liveness probe of beat, run as the kubelet would, against a real beat process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
import redis as redis_lib

from tests.charts import helm
from tests.fixtures.services import settings_env
from tests.waiting import wait_until

STALE = 3 * 60  # seconds: older than the probe's two minutes


def _probe(release: helm.Release) -> list[str]:
    beat = next(m for m in release.of_kind("Deployment") if m["metadata"]["name"].endswith("-beat"))
    return beat["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["exec"]["command"]


@pytest.mark.parametrize(
    ("scenario", "command", "schedule_file"),
    [
        ("govcloud-default", ["beat"], "celerybeat-schedule"),
        ("feedback-default", ["feedback", "beat"], "feedback-celerybeat-schedule"),
    ],
)
def test_the_probe_passes_while_beat_runs_and_fails_once_it_stops(
    scenario, command, schedule_file, settings, redis_url, tmp_path
):
    probe = _probe(helm.release_for(scenario))
    prefix = f"beat-{uuid.uuid4().hex[:8]}-"  # its periodic tasks go to queues no worker reads
    env = {**settings_env(settings), "GOVCLOUD_VAR_DIR": str(tmp_path), "GOVCLOUD_TASK_QUEUE_PREFIX": prefix}
    alive = tmp_path / f"{schedule_file}.alive"

    def probe_passes() -> bool:
        return subprocess.run(probe, env=env, capture_output=True, check=False).returncode == 0

    assert not probe_passes()  # before beat ever ran
    beat = subprocess.Popen(
        [sys.executable, "-m", "portal.cli", *command],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_until(alive.exists, timeout=60, what="beat's liveness file")
        assert probe_passes()
    finally:
        os.killpg(beat.pid, signal.SIGTERM)
        beat.wait(30)
        client = redis_lib.Redis.from_url(redis_url)
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
        client.close()

    # A beat that stopped waking up leaves the file as it was: two minutes later the probe fails.
    past = time.time() - STALE
    os.utime(alive, (past, past))
    assert not probe_passes()
