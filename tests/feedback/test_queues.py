"""Bulk work (imports, print runs) and fast work (folds, alerts, Bale) on queues of their own."""

from __future__ import annotations

from feedback.celery_names import QueueNames, TaskNames


def test_bulk_work_is_routed_apart_from_the_fast_work(feedback_celery_app, settings):
    router = feedback_celery_app.amqp.router
    prefix = settings.task_queue_prefix

    def queue(task: str) -> str:
        return router.route({}, task)["queue"].name

    assert queue(TaskNames.IMPORT_EMPLOYEES) == queue(TaskNames.PRINT_SHEETS) == prefix + QueueNames.BULK
    for fast in (TaskNames.FOLD_ROLLUPS, TaskNames.EVALUATE_ALERTS, TaskNames.SEND_BALE_OUTBOX):
        assert queue(fast) == prefix + QueueNames.FEEDBACK
    assert set(feedback_celery_app.conf.task_queues_names) == {prefix + q for q in QueueNames.all()}
    # A pool process is replaced now and then: what a large import leaves in memory goes back.
    assert feedback_celery_app.conf.worker_max_tasks_per_child == 50
