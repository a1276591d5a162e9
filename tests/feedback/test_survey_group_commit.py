"""The survey's group commit (issue 17): answers that arrive while a commit is under way are stored
together by the next leader, each with its own limits and outcome, none lost or counted twice.

The first answer's statement is held on PostgreSQL's own lock (an advisory lock on its employee,
taken here as `feedback_submit_many` takes it), so that the others queue behind it for certain: no
timing is involved, every wait is on a condition."""

from __future__ import annotations

import threading
import uuid

import sqlalchemy as sa
from sqlalchemy import func, select

from core.db import make_sessionmaker
from core.ratelimit import RateLimiter
from feedback.survey.models import COUNTED, REPLACED, Response
from feedback.web.survey.checks import DEVICE_LIMITS, IP_LIMITS
from feedback.web.survey.group_commit import Entry, GroupCommit
from tests.feedback.helpers import code_of
from tests.feedback.survey_helpers import seed_survey, submission
from tests.waiting import wait_until

EMPLOYEE_LOCK = 74101  # the class feedback_submit_locked and feedback_submit_many lock employees in


def _checks(address: str, device: str) -> list:
    return [(f"answer:{address}", IP_LIMITS), (f"device:{device}", DEVICE_LIMITS)]


def _held_until_released(engine, group: GroupCommit, checks, first) -> tuple[threading.Thread, list[Entry]]:
    """Start `first` as the leader and return once its statement waits on PostgreSQL's lock."""
    done: list[Entry] = []
    leader = threading.Thread(target=lambda: done.append(group.take(checks, first)))
    leader.start()

    def waiting_on_the_lock() -> bool:
        with engine.connect() as connection:
            return bool(
                connection.scalar(
                    sa.text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
                )
            )

    wait_until(waiting_on_the_lock, timeout=30, what="the leader's statement to wait on the lock")
    return leader, done


def _queue(
    group: GroupCommit, items: list[tuple[list, object]]
) -> tuple[list[threading.Thread], list[Entry]]:
    entries: list[Entry] = []
    threads = [threading.Thread(target=lambda c=c, s=s: entries.append(group.take(c, s))) for c, s in items]
    for thread in threads:
        thread.start()
    wait_until(lambda: group.waiting() == len(items), timeout=30, what="the answers to queue")
    return threads, entries


def test_answers_queued_behind_a_commit_are_stored_together(committed_feedback, redis_url, tmp_path):
    with make_sessionmaker(committed_feedback)() as session:
        seed_survey(session, tmp_path, 6)
        codes = [code_of(session, f"E{k:06d}") for k in range(1, 7)]
    sizes: list[int] = []
    limiter = RateLimiter(redis_url, f"test-{uuid.uuid4().hex}:")
    group = GroupCommit(limiter, committed_feedback, observe=sizes.append)
    with committed_feedback.connect() as holder:
        holder.execute(
            sa.text("SELECT pg_advisory_lock(:c, :e)"), {"c": EMPLOYEE_LOCK, "e": codes[0].employee_id}
        )
        holder.commit()
        leader, led = _held_until_released(
            committed_feedback, group, _checks("10.0.0.1", "phone-0"), submission(codes[0], device="phone-0")
        )
        queued = [
            (_checks(f"10.0.0.{n + 1}", f"phone-{n}"), submission(codes[n], device=f"phone-{n}"))
            for n in range(1, 6)
        ]
        threads, entries = _queue(group, queued)
        holder.execute(
            sa.text("SELECT pg_advisory_unlock(:c, :e)"), {"c": EMPLOYEE_LOCK, "e": codes[0].employee_id}
        )
        holder.commit()
    for thread in [leader, *threads]:
        thread.join(30)
    assert all(entry.stored and entry.verdict is None and not entry.degraded for entry in led + entries)
    assert sizes == [1, 5]  # the leader alone, then the five together
    with make_sessionmaker(committed_feedback)() as session:
        assert (
            session.scalar(select(func.count()).select_from(Response).where(Response.status == COUNTED)) == 6
        )


def test_a_batch_applies_each_answers_limits_and_order(committed_feedback, redis_url, tmp_path):
    """Thirteen answers of one phone for one desk queue together: the phone's twelfth per minute is
    the last one let through, each later one replaces the one before, and the thirteenth is refused
    (with its verdict, for the route's 429) and stores nothing."""
    with make_sessionmaker(committed_feedback)() as session:
        seed_survey(session, tmp_path, 2)
        first, desk = code_of(session, "E000001"), code_of(session, "E000002")
    group = GroupCommit(RateLimiter(redis_url, f"test-{uuid.uuid4().hex}:"), committed_feedback)
    with committed_feedback.connect() as holder:
        holder.execute(
            sa.text("SELECT pg_advisory_lock(:c, :e)"), {"c": EMPLOYEE_LOCK, "e": first.employee_id}
        )
        holder.commit()
        leader, _led = _held_until_released(
            committed_feedback, group, _checks("10.0.0.1", "other"), submission(first, device="other")
        )
        same_phone = [
            (_checks(f"10.0.1.{n}", "phone"), submission(desk, device="phone", ip=f"network-{n}"))
            for n in range(13)
        ]
        threads, entries = _queue(group, same_phone)
        holder.execute(
            sa.text("SELECT pg_advisory_unlock(:c, :e)"), {"c": EMPLOYEE_LOCK, "e": first.employee_id}
        )
        holder.commit()
    for thread in [leader, *threads]:
        thread.join(30)
    refused = [entry for entry in entries if entry.verdict is not None]
    assert len(refused) == 1 and not refused[0].stored
    assert refused[0].verdict.limit == DEVICE_LIMITS[0]
    assert sum(entry.stored for entry in entries) == 12
    with make_sessionmaker(committed_feedback)() as session:
        statuses = session.execute(
            select(Response.status, func.count())
            .where(Response.employee_id == desk.employee_id)
            .group_by(Response.status)
        ).all()
    assert dict(statuses) == {COUNTED: 1, REPLACED: 11}
