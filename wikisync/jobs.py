"""The scheduled runner behind ``wikisync run``: jobs on their times, one runner per jobs file.

Jobs run one after another in this process, on a :class:`schedule.Scheduler` of their own
(not the library's global one). A failing job is logged and tried again sooner, with a
doubling delay, while the other jobs keep their times: no exception leaves a job, because
``Scheduler.run_pending`` would skip the remaining jobs if one did. A lock file next to the
jobs file keeps a second runner out; SIGTERM and SIGINT let the edit in flight finish, the
state be written, and the runner exit 0. Logins are kept between runs and renewed only when
the wiki says the session was lost (``assertuserfailed``).
"""

from __future__ import annotations

import fcntl
import json
import logging
import math
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import IO, Any

import schedule

from .cycle import CycleOutcome, JobMemory, run_cycle
from .errors import EXIT_INPUT, EXIT_OK, InputError, LoginFailed, WikisyncError
from .jobreport import deliver_report
from .jobsfile import JobsFile, JobSpec
from .mapping import Mapping
from .store import Store, default_store_path
from .wiki import WikiSession

__all__ = ["Runner", "RunnerLock", "lock_path", "run_jobs"]

log = logging.getLogger(__name__)

RETRY_AFTER = EXIT_INPUT
"""Exit codes from this one up (bad input, wiki down, conflict) count as a failed run."""


def lock_path(jobs_file: Path) -> Path:
    """``.jobs.yaml.lock`` next to ``jobs.yaml``."""
    return jobs_file.parent / f".{jobs_file.name}.lock"


class RunnerLock:
    """An exclusive ``flock`` on a file that says who holds it (pid, host, since)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def holder(self) -> str:
        """Who holds the lock, as the file tells it."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError):
            data = {}
        if not isinstance(data, dict) or "pid" not in data:
            return "an unknown process"
        return f"pid {data.get('pid')} on {data.get('host', '?')} since {data.get('since', '?')}"

    def acquire(self) -> None:
        """Take the lock or raise :class:`InputError` naming the holder (exit 2)."""
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            message = f"cannot create the runner's lock file: {exc.strerror or exc}"
            raise InputError(message, source=str(self.path)) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise InputError(
                f"another runner holds the lock: {self.holder()}; one runner per jobs file",
                source=str(self.path),
            ) from None
        since = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        info = {"pid": os.getpid(), "host": socket.gethostname(), "since": since}
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(info) + "\n").encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> RunnerLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _session_key(mapping: Mapping) -> tuple[str, str, str]:
    credentials = mapping.wiki.credentials_file
    where = str(mapping.resolve(credentials).resolve()) if credentials else ""
    return mapping.wiki.api_url, mapping.wiki.contact, where


class Runner:
    """Runs the jobs of one jobs file, once or on their schedules.

    ``execute`` runs one job and returns its exit code; the default runs the pipeline
    against the wiki. The scheduling around it is the same either way.
    """

    def __init__(
        self,
        jobs: JobsFile,
        store: Store | None,
        *,
        execute: Callable[[JobSpec], int] | None = None,
        stdout: IO[str] | None = None,
    ) -> None:
        self.jobs = jobs
        self.store = store
        self.stdout = stdout if stdout is not None else sys.stdout
        self.execute = execute or self._execute
        self.stop = threading.Event()
        self.scheduler = schedule.Scheduler()
        self.failures: dict[str, int] = {}
        self.retries: dict[str, Any] = {}
        self.sessions: dict[tuple[str, str, str], WikiSession] = {}
        self.memory: dict[str, JobMemory] = {job.name: JobMemory() for job in jobs.jobs}

    # -- signals --------------------------------------------------------------------------
    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if not self.stop.is_set():
            name = signal.Signals(signum).name
            log.info(
                "%s received: finishing the current edit, then stopping",
                name,
                extra={"event": "stopping", "signal": name},
            )
        self.stop.set()

    @contextmanager
    def signals(self) -> Iterator[None]:
        """SIGTERM and SIGINT ask for a clean stop while inside this block."""
        previous = {
            sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGINT)
        }
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    # -- one job --------------------------------------------------------------------------
    def session_for(self, mapping: Mapping) -> WikiSession:
        """The kept session for the mapping's wiki and login; opened (and logged in) once."""
        key = _session_key(mapping)
        session = self.sessions.get(key)
        if session is None:
            from .live import session_for

            session = session_for(mapping)
            self.sessions[key] = session
        return session

    def _cycle(self, job: JobSpec) -> CycleOutcome:
        """One run; a lost login is renewed once and the run started again."""
        for attempt in (1, 2):
            try:
                return run_cycle(
                    self.jobs.mapping_path(job),
                    publish=job.mode == "publish",
                    session_for=self.session_for,
                    store=self._store(),
                    memory=self.memory[job.name],
                    stop=self.stop,
                    job=job.name,
                )
            except LoginFailed as err:
                if err.code != "assertuserfailed" or attempt == 2:
                    raise
                log.warning(
                    "the login was lost; logging in again",
                    extra={"event": "relogin", "job": job.name},
                )
                self.sessions.clear()
        raise AssertionError("unreachable")

    def _store(self) -> Store:
        if self.store is None:
            raise InputError("the runner has no store")
        return self.store

    def _execute(self, job: JobSpec) -> int:
        outcome = self._cycle(job)
        stats = outcome.stats
        protected = f" ({stats.protected} left to a person)" if stats.protected else ""
        log.info(
            "%s: %d page%s: %d checked, %d skipped unchanged, %d finding%s%s, %d edit%s, "
            "%d request%s, %.2f s%s",
            job.mode,
            stats.pages,
            "" if stats.pages == 1 else "s",
            stats.checked,
            stats.skipped,
            stats.findings,
            "" if stats.findings == 1 else "s",
            protected,
            stats.edits,
            "" if stats.edits == 1 else "s",
            stats.requests,
            "" if stats.requests == 1 else "s",
            stats.seconds,
            " (stopped early)" if outcome.stopped else "",
            extra={
                "event": "cycle",
                "job": job.name,
                "mode": job.mode,
                "pages": stats.pages,
                "checked": stats.checked,
                "skipped_unchanged": stats.skipped,
                "findings": stats.findings,
                "protected": stats.protected,
                "edits": stats.edits,
                "conflicts": stats.conflicts,
                "problems": stats.problems,
                "requests": stats.requests,
                "seconds": round(stats.seconds, 3),
                "exit_code": outcome.exit_code,
                "run_id": outcome.run_id,
                "stopped": outcome.stopped,
            },
        )
        for page in outcome.result.pages:
            if page.problem:
                log.warning(
                    "%s: cannot check: %s",
                    page.title,
                    page.problem,
                    extra={"event": "page-problem", "job": job.name, "page": page.title},
                )
        if outcome.stopped:
            return outcome.exit_code
        written = deliver_report(
            self.jobs,
            job,
            outcome.result,
            session=outcome.session,
            api_url=outcome.api_url,
            store=self._store(),
            stdout=self.stdout,
        )
        for target in written:
            if target != "stdout":
                log.info(
                    "report written to %s",
                    target,
                    extra={"event": "report", "job": job.name, "target": target},
                )
        return outcome.exit_code

    def attempt(self, job: JobSpec, *, retry: bool = True) -> int:
        """Run a job; never raises. A failure is logged and (with ``retry``) tried again."""
        try:
            code = self.execute(job)
        except WikisyncError as err:
            code = err.exit_code
            log.error(
                "job failed: %s",
                err,
                extra={"event": "job-failed", "job": job.name, "exit_code": code},
            )
        except Exception as err:  # a bug: logged with its traceback, the runner goes on
            code = EXIT_INPUT
            log.exception(
                "job failed: internal error: %s: %s",
                type(err).__name__,
                err,
                extra={"event": "job-failed", "job": job.name, "exit_code": code},
            )
        if code >= RETRY_AFTER and retry:
            self._schedule_retry(job)
        else:
            self.failures.pop(job.name, None)
            pending = self.retries.pop(job.name, None)
            if pending is not None:
                self.scheduler.cancel_job(pending)
        return code

    def _schedule_retry(self, job: JobSpec) -> None:
        failures = self.failures[job.name] = self.failures.get(job.name, 0) + 1
        if job.name in self.retries:
            return
        retry = self.jobs.retry
        delay = min(retry.first_seconds * 2 ** (failures - 1), retry.max_seconds)
        seconds = max(1, math.ceil(delay))
        self.retries[job.name] = self.scheduler.every(seconds).seconds.do(self._retry, job)
        log.info(
            "retrying in %d s (failure %d in a row)",
            seconds,
            failures,
            extra={"event": "retry-scheduled", "job": job.name, "in_seconds": seconds},
        )

    def _retry(self, job: JobSpec) -> Any:
        self.retries.pop(job.name, None)
        if not self.stop.is_set():
            self.attempt(job)
        return schedule.CancelJob

    # -- all jobs -------------------------------------------------------------------------
    def run_once(self) -> int:
        """Every job once, in file order; the worst exit code (0 if stopped by a signal)."""
        worst = EXIT_OK
        for job in self.jobs.jobs:
            if self.stop.is_set():
                break
            worst = max(worst, self.attempt(job, retry=False))
        return EXIT_OK if self.stop.is_set() else worst

    def _scheduled(self, job: JobSpec) -> None:
        if not self.stop.is_set():
            self.attempt(job)

    def plan_schedule(self) -> None:
        """Put every job on the scheduler; interval jobs are due at once, daily ones at
        their time. Each job's next time is counted from the end of its run."""
        now = datetime.now()
        for job in self.jobs.jobs:
            interval = job.interval
            if interval is not None:
                every = self.scheduler.every(interval.number)
                planned = getattr(every, interval.unit).do(self._scheduled, job)
                planned.next_run = now
            else:
                self.scheduler.every().day.at(job.at).do(self._scheduled, job)

    def run_forever(self, *, poll: float = 1.0) -> int:
        """Run the jobs on their schedules until a signal asks to stop; exit 0."""
        self.plan_schedule()
        while not self.stop.is_set():
            self.scheduler.run_pending()
            idle = self.scheduler.idle_seconds
            self.stop.wait(poll if idle is None else min(max(idle, 0.0), poll))
        return EXIT_OK


def run_jobs(jobs: JobsFile, *, once: bool, store_path: Path | None = None) -> int:
    """``wikisync run``: lock, open the store, run the jobs; the exit code."""
    path = store_path or (jobs.resolve(jobs.store) if jobs.store else default_store_path())
    with RunnerLock(lock_path(jobs.path)), Store(path) as store:
        runner = Runner(jobs, store)
        log.info(
            "runner started: %d job%s from %s (pid %d, store %s)",
            len(jobs.jobs),
            "" if len(jobs.jobs) == 1 else "s",
            jobs.path,
            os.getpid(),
            store.path,
            extra={"event": "start", "jobs": [j.name for j in jobs.jobs], "pid": os.getpid()},
        )
        for job in jobs.jobs:
            log.info(
                "%s %s %s",
                job.mode,
                job.mapping,
                job.describe_schedule() if not once else "once",
                extra={"event": "job", "job": job.name},
            )
        with runner.signals():
            code = runner.run_once() if once else runner.run_forever()
        log.info("runner stopped", extra={"event": "stop", "exit_code": code})
        return code
