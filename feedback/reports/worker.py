"""`python -m feedback.reports.worker [--beat …]`: a worker for the feedback queue, until the feedback
service's own worker command (part 1) takes these tasks over."""

from __future__ import annotations

import sys

from feedback.reports.tasks import create_feedback_celery


def main(argv: list[str] | None = None) -> None:
    app = create_feedback_celery()
    options = sys.argv[1:] if argv is None else argv
    queues = ",".join(app.conf.task_queues_names)
    app.worker_main(["worker", "-Q", queues, "--without-mingle", "--without-gossip", *options])


if __name__ == "__main__":
    main()
