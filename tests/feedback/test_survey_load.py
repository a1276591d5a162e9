"""Many phones at once against the real HTTP server (gunicorn, loopback): every 2xx is one committed
row and every row was answered 2xx, also when a worker process is SIGKILLed mid-run."""

from __future__ import annotations

import os
import signal
import threading

from sqlalchemy import func, select

from core.actors import SYSTEM
from core.db import make_sessionmaker
from feedback.rollups.models import Rollup
from feedback.rollups.services import fold_pending, rebuild_rollups
from feedback.survey.models import COUNTED, Response
from tests.feedback.survey_helpers import seed_survey, stored_rollups
from tests.fixtures.services import settings_env
from tests.fixtures.survey_load import gunicorn, open_all, phones, submit_all, worker_pids

PHONES = 240
CONCURRENCY = 16


def _rows(committed_feedback) -> tuple[int, int, int]:
    with make_sessionmaker(committed_feedback)() as session:
        rows = session.scalar(select(func.count()).select_from(Response))
        counted = session.scalar(select(func.count()).select_from(Response).where(Response.status == COUNTED))
        fold_pending(session)
        nation = session.scalar(
            select(func.coalesce(func.sum(Rollup.count), 0)).where(Rollup.level == "nation")
        )
        return rows, counted, nation


def test_rows_equal_2xx_answers_under_load_and_a_killed_worker(settings, committed_feedback, tmp_path):
    with make_sessionmaker(committed_feedback)() as session:
        tokens = seed_survey(session, tmp_path, 40)
    with gunicorn(settings_env(settings), workers=3) as (url, master):
        first = phones(url, tokens, PHONES)
        open_all(first, CONCURRENCY)
        results, _seconds = submit_all(first, CONCURRENCY)
        ok = sum(1 for status, _latency, _attempts in results if 200 <= status < 300)
        assert ok == PHONES
        rows, counted, nation = _rows(committed_feedback)
        assert rows == ok and counted == nation

        second = phones(url, tokens, PHONES)
        for n, phone in enumerate(second):  # addresses of their own, apart from the first round
            phone.address = f"172.16.{n >> 8}.{n & 255}"
        open_all(second, CONCURRENCY)
        midway = threading.Event()
        killed: list[int] = []

        def kill_a_worker() -> None:
            if midway.wait(60):
                victim = worker_pids(master.pid)[0]
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)

        killer = threading.Thread(target=kill_a_worker)
        killer.start()
        results, _seconds = submit_all(second, CONCURRENCY, midway)
        killer.join()
        assert killed, "no worker was killed"
        ok_second = sum(1 for status, _latency, _attempts in results if 200 <= status < 300)
        assert ok_second == PHONES  # the phones that lost their connection resent the same form
        rows, counted, nation = _rows(committed_feedback)
        assert rows == ok + ok_second
        assert counted == nation
    with make_sessionmaker(committed_feedback)() as session:
        before = stored_rollups(session)
        rebuild_rollups(session, SYSTEM)
        after = stored_rollups(session)
    assert before == after
