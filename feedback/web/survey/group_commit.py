"""Group commit for the survey's fast path: answers that arrive together in one web worker are
counted against their rate limits in one Redis round trip and stored in one PostgreSQL statement
(`feedback_submit_many`), each answer still on disk before its thank-you page.

A statement and its commit cost PostgreSQL more than the answer it stores, and each round trip
costs the worker a pair of system calls and a wake-up: under load, when a worker's threads hold
several answers at once, sharing those costs is what lets a submission cost little more than the
bare request. Nothing waits for a batch to fill: the first answer to arrive leads and commits at
once, alone if it is alone; answers that arrive while a commit is under way queue, and the next
leader (the first of them) commits them all together. At low load every answer is its own batch,
as before; under load the batches grow by themselves (the classic leader/follower group commit of
database logs).

Each entry ends with its own verdict (refused by a limit, or decided without Redis) and whether it
was stored; the fast path hands anything not stored to the Flask route, which retries alone (the
submission id keeps a second try from counting twice) or answers why not.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable, Sequence

from sqlalchemy import Engine

from core.ratelimit import Check, RateLimiter, Refusal
from feedback.survey.services import Outcome, Submission, submit_many

log = logging.getLogger(__name__)
MAX_BATCH = 64  # a statement stays small; the rest waits for the next leader


@dataclasses.dataclass(eq=False)
class Entry:
    """One answer on its way: what it asks, then what became of it."""

    checks: Sequence[Check]
    submission: Submission
    checked: bool = False  # the limits were checked (and, if allowed, counted)
    verdict: Refusal | None = None
    degraded: bool = False
    stored: bool = False
    lead: bool = False  # woken to commit the queue, not with a result
    done: threading.Event = dataclasses.field(default_factory=threading.Event)


class GroupCommit:
    """One per web process (its threads share it). `take` returns when the entry is decided."""

    def __init__(
        self,
        limiter: RateLimiter,
        engine: Engine,
        max_batch: int = MAX_BATCH,
        observe: Callable[[int], None] | None = None,
    ) -> None:
        self.limiter = limiter
        self.engine = engine
        self.max_batch = max_batch
        self.observe = observe  # told each statement's number of answers (the metrics' histogram)
        self._lock = threading.Lock()
        self._queue: list[Entry] = []
        self._leading = False  # a thread is committing; while it is, the queue waits for the next leader

    def waiting(self) -> int:
        """Answers queued for the next commit (tests wait on it)."""
        with self._lock:
            return len(self._queue)

    def take(self, checks: Sequence[Check], submission: Submission) -> Entry:
        entry = Entry(checks, submission)
        with self._lock:
            self._queue.append(entry)
            lead = not self._leading
            self._leading = True
        if not lead:
            entry.done.wait()
            if not entry.lead:
                return entry
        # the leader: its own entry is first in the queue (there is no queue without a leader)
        with self._lock:
            batch = self._queue[: self.max_batch]
            del self._queue[: self.max_batch]
        try:
            self._commit(batch)
        finally:
            with self._lock:
                if self._queue:  # arrived during this commit: the first of them leads the next one
                    self._queue[0].lead = True
                    self._queue[0].done.set()
                else:
                    self._leading = False
            for other in batch:
                if other is not entry:
                    other.done.set()
        return entry

    def _commit(self, batch: list[Entry]) -> None:
        """Limits for all, then one statement for those the limits let through. Any failure leaves
        the entries not stored, for the route to take one by one."""
        try:
            verdicts = self.limiter.check_many([entry.checks for entry in batch])
        except Exception:
            log.exception("survey group commit: limits not checked, handing the answers to the route")
            return
        ready = []
        for entry, (verdict, degraded) in zip(batch, verdicts, strict=True):
            entry.checked, entry.verdict, entry.degraded = True, verdict, degraded
            if verdict is None and not degraded:
                ready.append(entry)
        if not ready:
            return
        try:
            outcomes = submit_many(self.engine, [entry.submission for entry in ready])
        except Exception:  # a database error or a lost race: the route retries each answer alone
            log.warning("survey group commit: %d answers not stored, handing them to the route", len(ready))
            return
        if self.observe is not None:
            self.observe(len(ready))
        for entry, outcome in zip(ready, outcomes, strict=True):
            entry.stored = isinstance(outcome, Outcome)
