from workers.celery_names import TaskNames


def test_a_task_sent_through_the_broker_runs_on_a_real_worker(celery_app, celery_worker):
    result = celery_app.send_task(TaskNames.HEARTBEAT, queue=celery_app.conf.task_default_queue)
    answer = result.get(timeout=30)
    assert answer["worker"] and answer["at"]
    assert result.status == "SUCCESS"


def test_beat_schedule_names_registered_tasks(celery_app):
    celery_app.loader.import_default_modules()
    for name, entry in celery_app.conf.beat_schedule.items():
        assert entry["task"] in celery_app.tasks, name
        assert entry["options"]["queue"] in celery_app.conf.task_queues_names


def test_a_task_left_scheduled_by_one_test_never_runs_in_the_next(celery_app, celery_worker):
    """The suite's isolation: the CI failure where a debounced recompute of an earlier test wrote
    a second snapshot row into a later one."""
    from tests.fixtures.services import drain_worker
    from tests.waiting import wait_until

    hostname = celery_worker.hostname
    inspect = celery_app.control.inspect(destination=[hostname], timeout=5)
    result = celery_app.send_task(
        TaskNames.HEARTBEAT, queue=celery_app.conf.task_default_queue, countdown=600
    )
    wait_until(
        lambda: any(
            entry["request"]["id"] == result.id for entry in (inspect.scheduled() or {}).get(hostname, [])
        ),
        what="the worker to hold the task until its time",
    )

    drain_worker(celery_app, celery_worker)

    # Still held until its time, but revoked: the worker discards it instead of running it.
    revoked = (inspect.revoked() or {}).get(hostname, [])
    assert result.id in revoked
