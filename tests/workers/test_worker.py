def test_a_task_sent_through_the_broker_runs_on_a_real_worker(celery_app, celery_worker):
    result = celery_app.send_task("system.heartbeat", queue=celery_app.conf.task_default_queue)
    answer = result.get(timeout=30)
    assert answer["worker"] and answer["at"]
    assert result.status == "SUCCESS"


def test_beat_schedule_names_registered_tasks(celery_app):
    celery_app.loader.import_default_modules()
    for name, entry in celery_app.conf.beat_schedule.items():
        assert entry["task"] in celery_app.tasks, name
        assert entry["options"]["queue"] in celery_app.conf.task_queues_names
