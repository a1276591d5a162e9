"""Citizens' Bale messages are kept only as long as they are needed."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from core.db import utcnow
from feedback.reports.bot import purge_bale_rows
from feedback.reports.models import BaleConversation, BaleOutbox, BaleUpdate


def test_old_updates_finished_outbox_rows_and_abandoned_chats_are_purged(feedback_session):
    now = utcnow()
    old, recent = now - dt.timedelta(days=31), now - dt.timedelta(days=2)
    feedback_session.add_all(
        [
            BaleUpdate(update_id=1, chat_id=1, payload={}, received_at=old),
            BaleUpdate(update_id=2, chat_id=2, payload={}, received_at=recent),
            BaleConversation(chat_id=1, step="office", answers={}, updated_at=now - dt.timedelta(days=8)),
            BaleConversation(chat_id=2, step="office", answers={}, updated_at=recent),
        ]
    )
    feedback_session.flush()
    feedback_session.add_all(
        [
            BaleOutbox(
                update_id=1,
                chat_id=1,
                method="sendMessage",
                payload={},
                status="sent",
                attempts=1,
                created_at=old,
            ),
            BaleOutbox(
                update_id=1,
                chat_id=1,
                method="sendMessage",
                payload={},
                status="pending",
                attempts=0,
                created_at=old,
            ),
            BaleOutbox(
                update_id=2,
                chat_id=2,
                method="sendMessage",
                payload={},
                status="sent",
                attempts=1,
                created_at=recent,
            ),
        ]
    )
    feedback_session.commit()
    assert purge_bale_rows(feedback_session, now) == {"conversations": 1, "outbox": 1, "updates": 1}
    assert feedback_session.scalars(select(BaleUpdate.update_id)).all() == [2]
    assert feedback_session.scalars(select(BaleConversation.chat_id)).all() == [2]
    # A message still waiting to be sent is kept (its update link is cleared by the foreign key).
    assert feedback_session.scalar(select(func.count()).select_from(BaleOutbox)) == 2


def test_the_beat_schedule_names_registered_tasks_on_the_feedback_queue(settings):
    from feedback.worker import create_celery

    app = create_celery(settings)
    app.loader.import_default_modules()
    for name, entry in app.conf.beat_schedule.items():
        assert entry["task"] in app.tasks, name
        assert entry["options"]["queue"] in app.conf.task_queues_names
