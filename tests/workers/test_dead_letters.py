"""A task that kills its worker is not redelivered forever (issue 22): after MAX_DELIVERIES it is
moved to the dead letters, which an operator lists with `govcloud dead-letters`, and the worker
goes on with the rest of its queue."""

from __future__ import annotations

import textwrap
import uuid

from click.testing import CliRunner

from core.taskqueue import MAX_DELIVERIES, dead_letters
from tests.fixtures.services import worker_process
from tests.waiting import wait_until

# A real prefork worker of the platform's Celery app (our configuration: late acks, redelivery when
# a worker is lost, the delivery cap), with two tasks of the test's own beside ours.
WORKER = textwrap.dedent(
    """
    import os, pathlib, signal, sys
    from workers.app import create_celery

    app = create_celery()
    marks = pathlib.Path(sys.argv[1])

    def mark(line):
        with marks.open("a") as handle:
            handle.write(line + "\\n")

    @app.task(name="tests.kill-own-worker")
    def kill_own_worker(label):
        mark("ran " + label)
        os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's OOM killer would

    @app.task(name="tests.harmless")
    def harmless(label):
        mark("ok " + label)

    app.worker_main(["worker", "--pool=prefork", "--concurrency=1", "--without-mingle",
                     "--without-gossip", "--loglevel=INFO", "-Q", ",".join(app.conf.task_queues_names)])
    """
)


def test_a_task_that_kills_its_worker_is_dead_lettered_after_the_cap(
    settings, private_redis, tmp_path, own_default_app
):
    from workers.app import create_celery

    own = settings.replace(
        broker_url=private_redis.url(0),
        result_backend=private_redis.url(1),
        redis_url=private_redis.url(2),
        task_queue_prefix=f"dead-{uuid.uuid4().hex[:8]}-",
    )
    app = create_celery(own)
    marks = tmp_path / "marks"
    marks.touch()

    def lines() -> list[str]:
        return marks.read_text().splitlines()

    with worker_process(own, str(marks), script=WORKER):
        killer = app.send_task("tests.kill-own-worker", args=["oom"], queue=app.conf.task_queues_names[0])
        [letter] = wait_until(lambda: dead_letters(app), timeout=45, what="the task in the dead letters")
        app.send_task("tests.harmless", args=["after"], queue=app.conf.task_queues_names[0])
        wait_until(lambda: "ok after" in lines(), timeout=30, what="the worker to go on with its queue")

    runs = lines().count("ran oom")
    assert runs == MAX_DELIVERIES, f"the killing task ran {runs} times, cap {MAX_DELIVERIES}"
    assert letter["id"] == killer.id and letter["task"] == "tests.kill-own-worker"
    assert letter["args"] == ["oom"] and letter["deliveries"] == MAX_DELIVERIES + 1

    from portal.cli import main

    listed = CliRunner().invoke(main, ["dead-letters"], env=own.environ())
    assert listed.exit_code == 0, listed.output
    assert killer.id in listed.output and "tests.kill-own-worker" in listed.output
    assert f"worker lost {MAX_DELIVERIES} times" in listed.output and "1 dead letter(s)" in listed.output
