"""The git repository a GitOps controller syncs, driven through the `git` command line.

The working folder is a clone and only a cache: the repository (a local bare one in the demo and the
tests, any remote in production) is the truth. Each change runs under a file lock, starts from the
repository's latest commit, and ends in one commit pushed back, or in no commit when the files did
not change, so two workers (or two replicas with their own clones) never interleave half-written
trees. A push that lost a race is a retryable error: the step runs again from the new commit.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

from onboarding.backends.base import BackendError, PermanentBackendError

BRANCH = "main"
AUTHOR = ("govcloud", "govcloud@cloud.gov.ir")
GIT_TIMEOUT = 120


class GitRepository:
    def __init__(self, worktree: str | os.PathLike[str], remote: str) -> None:
        self.worktree = Path(worktree)
        self.remote = str(remote)

    def _git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "GIT_AUTHOR_NAME": AUTHOR[0],
            "GIT_AUTHOR_EMAIL": AUTHOR[1],
            "GIT_COMMITTER_NAME": AUTHOR[0],
            "GIT_COMMITTER_EMAIL": AUTHOR[1],
            "GIT_TERMINAL_PROMPT": "0",
        }
        try:
            done = subprocess.run(  # noqa: S603 - git with our own arguments, never a shell
                ["git", "-C", str(self.worktree), *args],  # noqa: S607 - git from PATH, as an operator runs it
                capture_output=True,
                text=True,
                env=env,
                timeout=GIT_TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise BackendError(f"git {args[0]} did not finish: {exc}") from exc
        if check and done.returncode != 0:
            raise BackendError(f"git {args[0]} failed: {(done.stderr or done.stdout).strip()[-300:]}")
        return done

    def _ensure(self) -> None:
        """A bare repository where a local path names none yet; a clone of it in the working folder."""
        if _is_local(self.remote) and not Path(self.remote).exists():
            Path(self.remote).mkdir(parents=True)
            self._run_outside("init", "--bare", "--initial-branch", BRANCH, self.remote)
        self.worktree.mkdir(parents=True, exist_ok=True)
        if not (self.worktree / ".git").exists():
            self._git("init", "--initial-branch", BRANCH)
            self._git("remote", "add", "origin", self.remote)
        elif self._git("remote", "get-url", "origin").stdout.strip() != self.remote:
            self._git("remote", "set-url", "origin", self.remote)

    def _run_outside(self, *args: str) -> None:
        try:
            subprocess.run(["git", *args], capture_output=True, text=True, check=True, timeout=GIT_TIMEOUT)  # noqa: S603, S607
        except (OSError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            raise PermanentBackendError(f"cannot create the repository {self.remote}: {exc}") from exc

    def _sync(self) -> None:
        """Start from the repository's latest commit; the local folder holds nothing of its own."""
        self._git("fetch", "--quiet", "origin")
        has_remote = self._git("rev-parse", "--verify", "--quiet", f"origin/{BRANCH}", check=False)
        if has_remote.returncode == 0:
            self._git("reset", "--quiet", "--hard", f"origin/{BRANCH}")
            self._git("clean", "--quiet", "-fd")
        # an empty repository adopts what the folder holds (a folder written before it was a clone):
        # the first change commits those files too, nothing is deleted

    @contextlib.contextmanager
    def change(self, message: str) -> Iterator[Path]:
        """Edit the files under the yielded folder; on exit, one commit pushed, or none if nothing changed."""
        self.worktree.parent.mkdir(parents=True, exist_ok=True)
        with open(self.worktree.parent / f".{self.worktree.name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                self._ensure()
                self._sync()
                yield self.worktree
                self._commit(message)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _commit(self, message: str) -> None:
        self._git("add", "--all")
        if self._git("diff", "--cached", "--quiet", check=False).returncode == 0:
            return
        self._git("commit", "--quiet", "--no-gpg-sign", "-m", message)
        pushed = self._git("push", "--quiet", "origin", f"HEAD:{BRANCH}", check=False)
        if pushed.returncode != 0:
            # another writer got there first: drop ours, the retried step applies on top of theirs
            self._git("reset", "--quiet", "--hard", "HEAD~1", check=False)
            raise BackendError(f"git push was refused: {pushed.stderr.strip()[-300:]}")

    def head(self) -> str:
        """The commit the repository's branch points at ("" while it has none)."""
        if not (self.worktree / ".git").exists():
            return ""
        found = self._git("rev-parse", "--verify", "--quiet", "HEAD", check=False)
        return found.stdout.strip() if found.returncode == 0 else ""


def _is_local(remote: str) -> bool:
    return "://" not in remote and not remote.startswith("git@") and ":" not in remote.split("/")[0]
